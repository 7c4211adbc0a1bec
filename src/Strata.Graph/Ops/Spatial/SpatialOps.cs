using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the spatial op family (sampling grids, ROI ops, box suppression).</summary>
internal static class SpatialOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(GridSampleOp.Schema);
        registry.AddOp(AffineGridOp.Schema);
        registry.AddOp(RoiAlignOp.Schema);
        registry.AddOp(NonMaxSuppressionOp.Schema);
        registry.AddOp(DeformConvOp.Schema);
    }
}
