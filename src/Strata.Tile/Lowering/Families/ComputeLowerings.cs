using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of reductions, normalizations, softmax, MatMul/Gemm/Einsum, Conv, pooling, Attention.</summary>
internal static class ComputeLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        ReductionLowerings.Register(registry);
        NormalizationLowerings.Register(registry);
        ContractionLowerings.Register(registry);
        ConvolutionLowerings.Register(registry);
        PoolLowerings.Register(registry);
        AttentionLowerings.Register(registry);
        TransformerLowerings.Register(registry);
    }
}
