using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>StringConcat: element-wise X + Y on string tensors with numpy broadcasting.</summary>
internal static class StringConcatOp
{
    public static OpSchema Schema { get; } = new("", "StringConcat", c => [Infer.Broadcast(c, DataType.String)], Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input<string>(0);
        var y = c.Input<string>(1);
        var shape = ShapeMath.Broadcast(x.Shape, y.Shape);
        var xi = ShapeMath.BroadcastIndexMap(x.Shape, shape);
        var yi = ShapeMath.BroadcastIndexMap(y.Shape, shape);
        var result = new Tensor<string>(shape);
        var xs = x.Span;
        var ys = y.Span;
        var r = result.Span;
        for (int i = 0; i < r.Length; i++) r[i] = string.Concat(xs[xi[i]], ys[yi[i]]);
        return [result];
    }
}
