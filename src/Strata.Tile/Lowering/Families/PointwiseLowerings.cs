using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of pointwise ops (elementwise math, activations, comparisons, Where, Clip, Cast).</summary>
internal static class PointwiseLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
