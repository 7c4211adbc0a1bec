using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>QLinearMatMul (opsets 10, 21): the product of two quantized tensors, requantized to the output's
/// scale and zero point: <c>y = saturate(round(((a - a_zp) @ (b - b_zp)) * (a_scale * b_scale / y_scale)) + y_zp)</c>,
/// rounding half to even. The scale ratio is computed in the scales' type, as the reference does; the rest in
/// double. int8/uint8 operands accumulate in int32; float8 operands (21+) in double, with a saturating float8 result.</summary>
internal static class QLinearMatMulOp
{
    public static OpSchema Schema() => new("", "QLinearMatMul",
        c => [(c.InputElementType(7) ?? c.InputElementType(0)) is { } t
            ? new TensorType(t, QuantizedMatMul.InferShape(c.InputTensor(0)?.Shape, c.InputTensor(3)?.Shape)) : null],
        c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext c)
    {
        var a = c.Input(0);
        var aScale = c.Input(1);
        var b = c.Input(3);
        var bScale = c.Input(4);
        var yScale = c.Input(6);
        var yZero = c.OptionalInput(7);
        var outShape = QuantizedMatMul.OutputShape(a.Shape, b.Shape, c);
        var outType = yZero?.DataType ?? a.DataType;

        double[] acc;
        if (a.DataType.IsInteger() && b.DataType.IsInteger())
        {
            var product = QuantizedMatMul.Multiply(QuantizedMatMul.CenteredInt32(a, c.OptionalInput(2), true, c), a.Shape,
                QuantizedMatMul.CenteredInt32(b, c.OptionalInput(5), false, c), b.Shape, outShape);
            acc = Array.ConvertAll(product, v => (double)v);
        }
        else
        {
            acc = QuantizedMatMul.Multiply(QuantizedMatMul.CenteredDouble(a, c.OptionalInput(2), true, c), a.Shape,
                QuantizedMatMul.CenteredDouble(b, c.OptionalInput(5), false, c), b.Shape, outShape);
        }

        // Scales: a's per row ([M] -> [M, 1]), b's per column, y's broadcast over the output.
        var aIndex = OutputIndex(aScale.Shape, outShape, perRow: true, c);
        var bIndex = OutputIndex(bScale.Shape, outShape, perRow: false, c);
        var yIndex = OutputIndex(yScale.Shape, outShape, perRow: false, c);
        var aS = TensorConvert.ToDoubles(aScale);
        var bS = TensorConvert.ToDoubles(bScale);
        var yS = TensorConvert.ToDoubles(yScale);
        var yZ = yZero is null ? null : TensorConvert.ToDoubles(yZero);
        var yZIndex = yZero is null ? null : OutputIndex(yZero.Shape, outShape, perRow: false, c);
        var scaleType = aScale.DataType;
        var values = new double[acc.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double ratio = QuantizationLayout.RoundTo(scaleType,
                QuantizationLayout.RoundTo(scaleType, aS[aIndex[i]] * bS[bIndex[i]]) / yS[yIndex[i]]);
            values[i] = acc[i] * ratio + (yZ is null ? 0 : yZ[yZIndex![i]]);
        }
        return Requantize(values, outType, outShape, c);
    }

    private static int[] OutputIndex(int[] parameterShape, int[] outShape, bool perRow, OpContext c) =>
        outShape.Length == 0 ? new int[1] : QuantizedMatMul.ParameterIndex(parameterShape, outShape, perRow, c);

    /// <summary>Rounds half to even and clamps into an integer type, or encodes (saturating) into a float8 type.</summary>
    public static Tensor Requantize(double[] values, DataType type, int[] shape, OpContext c)
    {
        if (QuantizationLayout.IntegerRange(type) is var (min, max))
        {
            var q = new long[values.Length];
            for (int i = 0; i < q.Length; i++)
            {
                double v = Math.Round(values[i], MidpointRounding.ToEven);
                q[i] = double.IsNaN(v) ? 0 : (long)Math.Clamp(v, min, max);
            }
            return CastConversion.FromInt64s(q, type, shape);
        }
        if (!type.IsFloatingPoint())
            throw c.Error(ErrorCode.UnsupportedDataType, $"cannot requantize to {type}", "use an int8, uint8 or float8 output");
        return CastConversion.FromDoubles(values, type, shape, CastOptions.Default);
    }
}
