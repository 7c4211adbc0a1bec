using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Identity, Shape and Size: ops that pass a value through or describe its shape.</summary>
internal static class ShapeOps
{
    public static void Register(ExtensionRegistry registry)
    {
        // Identity passes any value through: tensor, sequence or optional (opset 16+).
        registry.AddOp(new OpSchema("", "Identity", c => [Infer.SameAs(c, 0)], c => [c.Inputs[0]]));
        registry.AddOp(OpSchema.Unary("Shape", InferShape, c =>
        {
            var shape = c.Input(0).Shape;
            var (start, end) = ShapeRange(c.Opset, c.Node, shape.Length);
            var r = new long[end - start];
            for (int i = 0; i < r.Length; i++) r[i] = shape[start + i];
            return new Tensor<long>(r, [r.Length]);
        }));
        registry.AddOp(OpSchema.Unary("Size", _ => Infer.Tensor(DataType.Int64), c => Tensor<long>.Scalar(c.Input(0).Length)));
    }

    /// <summary>The [start, end) range of dims that Shape returns: all before opset 15; <c>start</c>/<c>end</c>
    /// attributes since, negative from the back, clamped to [0, rank].</summary>
    private static (int Start, int End) ShapeRange(int opset, Node node, int rank)
    {
        if (opset < 15) return (0, rank);
        long start = node.GetInt("start", 0), end = node.GetInt("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.Clamp(start, 0, rank);
        end = Math.Clamp(end, 0, rank);
        return ((int)start, (int)Math.Max(start, end));
    }

    private static TensorType InferShape(InferenceContext c)
    {
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(DataType.Int64, Shape.Of([Dim.Unknown]));
        var (start, end) = ShapeRange(c.Opset, c.Node, s.Rank);
        return Infer.Tensor(DataType.Int64, end - start);
    }
}
