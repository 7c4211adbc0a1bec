using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>DequantizeLinear (opsets 10–25): <c>y = (x - x_zero_point) * x_scale</c>, per tensor, per axis or
/// blocked (see <see cref="QuantizationLayout"/>). The output type is <c>output_dtype</c> (23+) or else the
/// scale's type. The difference and product are exact in double and rounded once into the output type.</summary>
internal static class DequantizeLinearOp
{
    public static OpSchema Schema() => new("", "DequantizeLinear",
        c => [c.InputTensor(0) is { } x && OutputType(c.Node, c.InputElementType(1)) is { } t ? new TensorType(t, x.Shape) : null],
        c => [Evaluate(c)]);

    private static DataType? OutputType(Node node, DataType? scaleType)
    {
        var attr = (DataType)node.GetInt("output_dtype", 0);
        return attr != DataType.Undefined ? attr : scaleType;
    }

    private static Tensor Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var scale = c.Input(1);
        var zeroPoint = c.OptionalInput(2);
        var type = OutputType(c.Node, scale.DataType)!.Value;
        if (!type.IsFloatingPoint())
            throw c.Error(ErrorCode.UnsupportedDataType, $"DequantizeLinear cannot produce {type}", "use a float, float16 or bfloat16 output");
        if (zeroPoint is not null && zeroPoint.Length != scale.Length)
            throw c.Error(ErrorCode.ShapeMismatch, $"zero point shape {ShapeMath.Format(zeroPoint.Shape)} differs from scale shape {ShapeMath.Format(scale.Shape)}",
                "give x_zero_point the shape of x_scale");
        var index = QuantizationLayout.ParameterIndex(x.Shape, scale.Shape, c.Int("axis", 1), c.Int("block_size", 0), c);
        var xs = TensorConvert.ToDoubles(x);
        var scales = TensorConvert.ToDoubles(scale);
        var zeros = zeroPoint is null ? null : TensorConvert.ToDoubles(zeroPoint);
        var y = new double[xs.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int p = index[i];
            y[i] = (zeros is null ? xs[i] : xs[i] - zeros[p]) * scales[p];
        }
        return CastConversion.FromDoubles(y, type, x.Shape, CastOptions.Default);
    }
}
