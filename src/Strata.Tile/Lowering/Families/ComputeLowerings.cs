using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of the compute ops: every reduction goes through <see cref="KernelBuilder.Reduce"/> (a temp
/// computed by one reduction computation) and everything around it is composed as inner functions
/// (<see cref="TileValue"/>), so epilogues, views and normalisation steps inline into their consumers.
/// <list type="bullet">
/// <item><see cref="ReductionLowerings"/>: Reduce*, ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax, CumSum/CumProd.</item>
/// <item><see cref="NormalizationLowerings"/>: LayerNormalization (+ Mean/InvStdDev), RMSNormalization,
/// GroupNormalization, InstanceNormalization, MeanVarianceNormalization, LpNormalization, LRN.</item>
/// <item><see cref="ContractionLowerings"/>: MatMul, Gemm, Einsum; <see cref="QuantizedLowerings"/>: MatMulInteger,
/// ConvInteger, QLinearMatMul, QLinearConv.</item>
/// <item><see cref="ConvolutionLowerings"/>: Conv, ConvTranspose, CausalConvWithState; <see cref="PoolLowerings"/>:
/// MaxPool (+ Indices), AveragePool, LpPool, the global pools.</item>
/// <item><see cref="AttentionLowerings"/>: Attention; <see cref="TransformerLowerings"/>: RotaryEmbedding, SwiGLU;
/// <see cref="LossLowerings"/>: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.</item>
/// </list>
/// Numerics follow the reference interpreter: reductions, normalisations, pools and attention compute in f64 and
/// round once; the matrix kernels (MatMul, Gemm, Einsum, Conv) accumulate in the element type, f32 for f16/bf16;
/// integers wrap. A lowering returns null (the node runs as a fallback kernel) for element types the reference
/// does not compute, axes or other shape-determining inputs that are not compile-time constants, invalid attributes
/// (so the reference reports the error), and the few cases whose reference behaviour is an artefact (a max window
/// wholly in the padding, integer convolutions whose negative room truncates to one output).</summary>
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
        QuantizedLowerings.Register(registry);
        LossLowerings.Register(registry);
    }
}
