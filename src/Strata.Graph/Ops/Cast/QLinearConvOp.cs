using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>QLinearConv (opset 10): convolution of quantized int8/uint8 X and W (W per tensor or per output
/// channel), int32 bias, requantized: <c>y = saturate(round((conv(X - x_zp, W - w_zp) + B) * (x_scale * w_scale / y_scale)) + y_zp)</c>,
/// rounding half to even. The scale ratio is computed in float32 as the reference does.</summary>
internal static class QLinearConvOp
{
    public static OpSchema Schema() => new("", "QLinearConv",
        c => [(c.InputElementType(7) ?? c.InputElementType(0)) is { } t ? new TensorType(t, QuantizedConvolution.InferShape(c, 0, 3)) : null],
        c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var xScale = c.Input(1);
        var w = c.Input(3);
        var wScale = c.Input(4);
        var yScale = c.Input(6);
        var yZero = c.OptionalInput(7);
        var bias = c.OptionalInput(8);
        var conv = QuantizedConvolution.Plan(c.Node, x.Shape, w.Shape, c.Error);
        var xv = ConvIntegerOp.Centered(x, c.OptionalInput(2), c, perChannel: false);
        var wv = ConvIntegerOp.Centered(w, c.OptionalInput(5), c, perChannel: true);
        int[]? b = bias is null ? null : Array.ConvertAll(TensorConvert.ToInt64s(bias), v => (int)v);
        if (b is not null && b.Length != w.Shape[0])
            throw c.Error(ErrorCode.ShapeMismatch, $"bias has {b.Length} values for {w.Shape[0]} output channels", "give B one value per output channel");
        var acc = conv.Run(xv, x.Shape, wv, w.Shape, b);

        var xS = TensorConvert.ToDoubles(xScale);
        var wS = TensorConvert.ToDoubles(wScale);
        var yS = TensorConvert.ToDoubles(yScale);
        if (xS.Length != 1 || yS.Length != 1 || (wS.Length != 1 && wS.Length != w.Shape[0]))
            throw c.Error(ErrorCode.ShapeMismatch, "x_scale and y_scale must be scalars and w_scale a scalar or one value per output channel",
                "check the scales' shapes");
        var yZ = yZero is null ? 0 : TensorConvert.ToDoubles(yZero)[0];
        var scaleType = xScale.DataType;
        int outChannels = w.Shape[0], spatial = acc.Length / Math.Max(1, x.Shape[0] * outChannels);
        var values = new double[acc.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int m = i / spatial % outChannels;
            double ratio = QuantizationLayout.RoundTo(scaleType,
                QuantizationLayout.RoundTo(scaleType, xS[0] * wS[wS.Length == 1 ? 0 : m]) / yS[0]);
            values[i] = acc[i] * ratio + yZ;
        }
        return QLinearMatMulOp.Requantize(values, yZero?.DataType ?? x.DataType, conv.OutputShape, c);
    }
}
