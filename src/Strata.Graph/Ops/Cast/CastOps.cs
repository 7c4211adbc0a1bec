using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Cast op family: type conversion (Cast, CastLike, BitCast) and quantization
/// (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv).</summary>
internal static class CastOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(CastOp.Cast());
        registry.AddOp(CastOp.CastLike());
    }
}
