using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Nn op family: matrix products, convolutions, pooling, attention and their relatives.</summary>
internal static class NnOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(MatMulOp.Schema);
        registry.AddOp(GemmOp.Schema);
        registry.AddOp(ConvOp.Schema);
        registry.AddOp(ConvTransposeOp.Schema);
        foreach (var pool in PoolOps.Schemas) registry.AddOp(pool);
        registry.AddOp(MaxUnpoolOp.Schema);
        registry.AddOp(EinsumOp.Schema);
        registry.AddOp(AttentionOp.Schema);
        registry.AddOp(RotaryEmbeddingOp.Schema);
        registry.AddOp(SwiGluOp.Schema);
        registry.AddOp(CausalConvWithStateOp.Schema);
        registry.AddOp(LinearAttentionOp.Schema);
        registry.AddOp(FlexAttentionOp.Schema);
    }
}
