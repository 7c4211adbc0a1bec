using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>QuantizeLinear (opsets 10–25): <c>y = saturate(round(x / y_scale) + y_zero_point)</c>, rounding half to
/// even, per tensor, per axis or blocked (see <see cref="QuantizationLayout"/>). The output type is the zero
/// point's, else <c>output_dtype</c> (21+), else uint8. Integer targets clamp to their range; float8 targets
/// round to nearest even and follow <c>saturate</c> (19+); float4 always saturates. The division is done in
/// the precision of <c>precision</c> (23+) or else of the scale's type.</summary>
internal static class QuantizeLinearOp
{
    public static OpSchema Schema() => new("", "QuantizeLinear",
        c => [c.InputTensor(0) is { } x && OutputType(c.InputElementType(2), c.HasInput(2), c.Node, c.Error) is { } t ? new TensorType(t, x.Shape) : null],
        c => [Evaluate(c)]);

    /// <summary>The quantized type, or null when the zero point is given but its type is not known yet.</summary>
    private static DataType? OutputType(DataType? zeroPointType, bool hasZeroPoint, Node node, Func<ErrorCode, string, string?, StrataException> error)
    {
        var attr = (DataType)node.GetInt("output_dtype", 0);
        if (hasZeroPoint && zeroPointType is null) return attr != DataType.Undefined ? attr : null;
        if (zeroPointType is { } z && attr != DataType.Undefined && attr != z)
            throw error(ErrorCode.TypeMismatch, $"output_dtype {attr} differs from the zero point's type {z}",
                "give output_dtype equal to y_zero_point's type, or leave one of them out");
        var type = zeroPointType ?? (attr != DataType.Undefined ? attr : DataType.UInt8);
        if (!IsQuantizedType(type))
            throw error(ErrorCode.UnsupportedDataType, $"QuantizeLinear cannot produce {type}",
                "quantize to int8, uint8, int16, uint16, int4, uint4, int2, uint2, float8 or float4e2m1");
        return type;
    }

    private static bool IsQuantizedType(DataType t) => t is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16
        or DataType.Int4 or DataType.UInt4 or DataType.Int2 or DataType.UInt2 or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ
        or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ or DataType.Float4E2M1;

    private static Tensor Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var scale = c.Input(1);
        var zeroPoint = c.OptionalInput(2);
        var type = OutputType(zeroPoint?.DataType, zeroPoint is not null, c.Node, c.Error)!.Value;
        long axis = c.Int("axis", 1), blockSize = c.Int("block_size", 0);
        var precision = (DataType)c.Int("precision", 0);
        if (precision == DataType.Undefined) precision = scale.DataType;

        var index = QuantizationLayout.ParameterIndex(x.Shape, scale.Shape, axis, blockSize, c);
        if (zeroPoint is not null && !zeroPoint.Shape.AsSpan().SequenceEqual(scale.Shape) && zeroPoint.Length != scale.Length)
            throw c.Error(ErrorCode.ShapeMismatch, $"zero point shape {ShapeMath.Format(zeroPoint.Shape)} differs from scale shape {ShapeMath.Format(scale.Shape)}",
                "give y_zero_point the shape of y_scale");
        var xs = TensorConvert.ToDoubles(x);
        var scales = TensorConvert.ToDoubles(scale);
        var zeros = zeroPoint is null ? null : TensorConvert.ToDoubles(zeroPoint);

        if (QuantizationLayout.IntegerRange(type) is var (min, max))
        {
            var q = new long[xs.Length];
            for (int i = 0; i < q.Length; i++)
            {
                int p = index[i];
                double v = Math.Round(QuantizationLayout.RoundTo(precision, xs[i] / scales[p]), MidpointRounding.ToEven);
                if (zeros is not null) v += zeros[p];
                q[i] = double.IsNaN(v) ? 0 : (long)Math.Clamp(v, min, max);
            }
            return CastConversion.FromInt64s(q, type, x.Shape);
        }

        var f = new double[xs.Length];
        for (int i = 0; i < f.Length; i++)
        {
            int p = index[i];
            double v = QuantizationLayout.RoundTo(precision, xs[i] / scales[p]);
            if (zeros is not null) v += zeros[p];
            f[i] = v;
        }
        return CastConversion.FromDoubles(f, type, x.Shape, new CastOptions(c.Int("saturate", 1) != 0));
    }
}
