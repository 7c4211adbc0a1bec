using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>SwiGLU (opset 28): <c>Y = Swish_alpha(A) · B</c> with <c>Swish_alpha(a) = a·sigmoid(alpha·a)</c>; A and B
/// have identical shapes (no broadcasting). Each step is rounded to the element type, as the reference computes it.</summary>
internal static class SwiGluOp
{
    public static OpSchema Schema => new("", "SwiGLU", c => [Infer.SameAs(c, 0)], c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext ctx)
    {
        var at = ctx.Input(0);
        var bt = ctx.Input(1);
        if (!FloatBuffers.IsSupported(at.DataType) || at.DataType != bt.DataType)
            throw ctx.Error(ErrorCode.TypeMismatch, $"SwiGLU needs two float inputs of one type, got {at.DataType.ShortName()} and {bt.DataType.ShortName()}");
        if (!at.Shape.AsSpan().SequenceEqual(bt.Shape))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"SwiGLU inputs must have identical shapes, got {ShapeMath.Format(at.Shape)} and {ShapeMath.Format(bt.Shape)}",
                "SwiGLU does not broadcast; Split or Slice a packed projection into equal halves");
        double alpha = ctx.Float("alpha", 1f);
        var type = at.DataType;
        var a = TensorConvert.ToDoubles(at);
        var b = TensorConvert.ToDoubles(bt);
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            double e = FloatBuffers.RoundTo(type, Math.Exp(FloatBuffers.RoundTo(type, -alpha * a[i])));
            double sig = FloatBuffers.RoundTo(type, 1 / FloatBuffers.RoundTo(type, 1 + e));
            y[i] = FloatBuffers.RoundTo(type, FloatBuffers.RoundTo(type, a[i] * sig) * b[i]);
        }
        return TensorConvert.FromDoubles(type, y, at.Shape);
    }
}
