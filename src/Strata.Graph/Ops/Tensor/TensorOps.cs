using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Tensor op family: ops that create, reshape, reorder, select and move elements,
/// for every element type (data movement is written once with an unconstrained element type).</summary>
internal static class TensorOps
{
    public static void Register(ExtensionRegistry registry)
    {
        ShapeOps.Register(registry);
        GeneratorOps.Register(registry);
        ReshapeOps.Register(registry);
        TransposeOps.Register(registry);
        ConcatSplitOps.Register(registry);
        SliceOp.Register(registry);
        GatherOps.Register(registry);
        ScatterOps.Register(registry);
        ExpandTileOps.Register(registry);
        PadOps.Register(registry);
        IndexingOps.Register(registry);
        SortingOps.Register(registry);
        ResizeOps.Register(registry);
        Col2ImOp.Register(registry);
    }
}
