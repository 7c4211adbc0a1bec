using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ConvInteger (opset 10): int32 convolution of int8/uint8 X and W after subtracting their zero points
/// (X's per tensor; W's per tensor or per output channel).</summary>
internal static class ConvIntegerOp
{
    public static OpSchema Schema() => new("", "ConvInteger",
        c => [new TensorType(DataType.Int32, QuantizedConvolution.InferShape(c, 0, 1))],
        c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var conv = QuantizedConvolution.Plan(c.Node, x.Shape, w.Shape, c.Error);
        var xv = Centered(x, c.OptionalInput(2), c, perChannel: false);
        var wv = Centered(w, c.OptionalInput(3), c, perChannel: true);
        return new Tensor<int>(conv.Run(xv, x.Shape, wv, w.Shape, null), conv.OutputShape);
    }

    /// <summary>Values minus the zero point: a scalar / one-element zero point applies to all; for W, a 1-D zero
    /// point holds one value per output channel (dim 0).</summary>
    public static int[] Centered(Tensor t, Tensor? zeroPoint, OpContext c, bool perChannel)
    {
        var values = TensorConvert.ToInt64s(t);
        var r = new int[values.Length];
        long[] zeros = zeroPoint is null ? [0] : TensorConvert.ToInt64s(zeroPoint);
        if (zeros.Length == 1)
        {
            for (int i = 0; i < r.Length; i++) r[i] = (int)(values[i] - zeros[0]);
            return r;
        }
        if (!perChannel || zeroPoint!.Rank != 1 || zeros.Length != t.Shape[0])
            throw c.Error(ErrorCode.ShapeMismatch, $"zero point of shape {ShapeMath.Format(zeroPoint!.Shape)} does not fit {ShapeMath.Format(t.Shape)}",
                perChannel ? "use a scalar or one value per output channel" : "use a scalar zero point for X");
        int perOutput = t.Length / t.Shape[0];
        for (int i = 0; i < r.Length; i++) r[i] = (int)(values[i] - zeros[i / perOutput]);
        return r;
    }
}
