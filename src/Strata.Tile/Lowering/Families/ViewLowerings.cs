using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of views and data movement (Reshape, Transpose, Slice, Concat, Gather, Pad, …) as index remaps.</summary>
internal static class ViewLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
