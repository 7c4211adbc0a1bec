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
        registry.AddOp(BitCastOp.Schema());
        registry.AddOp(QuantizeLinearOp.Schema());
        registry.AddOp(DequantizeLinearOp.Schema());
        registry.AddOp(DynamicQuantizeLinearOp.Schema());
        registry.AddOp(MatMulIntegerOp.Schema());
        registry.AddOp(QLinearMatMulOp.Schema());
        registry.AddOp(ConvIntegerOp.Schema());
        registry.AddOp(QLinearConvOp.Schema());
    }
}
