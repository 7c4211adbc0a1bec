using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>CausalConvWithState (opset 27): depthwise causal 1-D convolution with a carried state. The input
/// [batch, channels, length] is prefixed by past_state [batch, channels, k−1] (zeros if absent); each channel is
/// convolved with its own kernel (weight [channels, 1, k]) over the valid positions, plus bias, optionally followed
/// by SiLU ('silu' or 'swish'). present_state is the last k−1 positions of the prefixed input.</summary>
internal static class CausalConvWithStateOp
{
    public static OpSchema Schema => new("", "CausalConvWithState", InferTypes, Evaluate);

    private static Core.ValueType?[] InferTypes(InferenceContext c)
    {
        var x = c.InputTensor(0);
        var w = c.InputTensor(1);
        if (x is null) return [null, null];
        if (x.Shape is null || x.Shape.Rank != 3 || w?.Shape is not { Rank: 3 } ws) return [x, new TensorType(x.ElementType, null)];
        var state = ws[2].Value is long k ? Dim.Of(k - 1) : Dim.Unknown;
        return [x, new TensorType(x.ElementType, Shape.Of(new[] { x.Shape[0], x.Shape[1], state }))];
    }

    private static RuntimeValue?[] Evaluate(OpContext ctx)
    {
        var xt = ctx.Input(0);
        var wt = ctx.Input(1);
        var bt = ctx.OptionalInput(2);
        var pt = ctx.OptionalInput(3);
        if (!FloatBuffers.IsSupported(xt.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"CausalConvWithState does not support {xt.DataType.ShortName()}");
        if (xt.Rank != 3 || wt.Rank != 3 || wt.Shape[0] != xt.Shape[1] || wt.Shape[1] != 1)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"CausalConvWithState needs input [batch, channels, length] and weight [channels, 1, k], got {ShapeMath.Format(xt.Shape)} and {ShapeMath.Format(wt.Shape)}");
        var activation = ctx.String("activation", "none");
        if (activation is not ("none" or "silu" or "swish"))
            throw ctx.Error(ErrorCode.InvalidAttribute, $"activation '{activation}' is not one of none, silu, swish");
        int batch = xt.Shape[0], channels = xt.Shape[1], length = xt.Shape[2], k = wt.Shape[2];
        int padded = length + k - 1;
        if (bt is not null && (bt.Rank != 1 || bt.Shape[0] != channels))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"bias must have shape [{channels}]");
        if (pt is not null && (pt.Rank != 3 || pt.Shape[0] != batch || pt.Shape[1] != channels || pt.Shape[2] != k - 1))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"past_state must have shape [{batch},{channels},{k - 1}], got {ShapeMath.Format(pt.Shape)}");
        var type = xt.DataType;
        var x = TensorConvert.ToDoubles(xt);
        var w = TensorConvert.ToDoubles(wt);
        var bias = bt is null ? null : TensorConvert.ToDoubles(bt);
        var past = pt is null ? null : TensorConvert.ToDoubles(pt);
        var y = new double[x.Length];
        var state = new double[batch * channels * (k - 1)];
        var line = new double[padded];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                int bc = b * channels + c;
                if (past is not null) Array.Copy(past, bc * (k - 1), line, 0, k - 1);
                else Array.Clear(line, 0, k - 1);
                Array.Copy(x, bc * length, line, k - 1, length);
                for (int t = 0; t < length; t++)
                {
                    double s = bias?[c] ?? 0;
                    for (int j = 0; j < k; j++) s += line[t + j] * w[c * k + j];
                    if (activation != "none")
                    {
                        s = FloatBuffers.RoundTo(type, s);
                        s = s / (1 + Math.Exp(-s));
                    }
                    y[bc * length + t] = s;
                }
                Array.Copy(line, padded - (k - 1), state, bc * (k - 1), k - 1);
            }
        return [TensorConvert.FromDoubles(type, y, xt.Shape), TensorConvert.FromDoubles(type, state, [batch, channels, k - 1])];
    }
}
