using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the spatial op family (sampling grids, ROI ops, box suppression).</summary>
internal static class SpatialOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
