using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>MaxUnpool (opsets 9, 11, 22): scatters X into zeros at the flat positions given by I (as produced by
/// MaxPool's Indices) of a tensor of the unpooled shape <c>(in−1)·stride − pads + kernel</c>; with the
/// <c>output_shape</c> input that tensor is placed at the origin of a zero tensor of the requested shape.</summary>
internal static class MaxUnpoolOp
{
    public static OpSchema Schema => new("", "MaxUnpool", c => [InferType(c)], c => [Evaluate(c)]);

    private static int[] Unpooled(int[] input, WindowGeometry.Attributes a)
    {
        var r = new int[input.Length];
        for (int d = 0; d < r.Length; d++)
            r[d] = (input[d] - 1) * a.Strides[d] - (a.PadBegin[d] + a.PadEnd[d]) + a.Kernel[d];
        return r;
    }

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        if (c.HasInput(2))
        {
            if (c.ConstantInput(2) is { } os)
                return new TensorType(x.ElementType, Shape.Of(TensorConvert.ToInt64s(os)));
            return new TensorType(x.ElementType, c.InputShape(2) is [int r] ? Shape.Of(Enumerable.Repeat(Dim.Unknown, r)) : null);
        }
        if (x.Shape is null) return new TensorType(x.ElementType, null);
        int rank = x.Shape.Rank - 2;
        var a = WindowGeometry.Read(c.Node, rank, null, (code, msg) => c.Error(code, msg));
        var dims = new List<Dim> { x.Shape[0], x.Shape[1] };
        for (int d = 0; d < rank; d++)
            dims.Add(x.Shape[d + 2].Value is long v ? Dim.Of((v - 1) * a.Strides[d] - (a.PadBegin[d] + a.PadEnd[d]) + a.Kernel[d]) : Dim.Unknown);
        return new TensorType(x.ElementType, Shape.Of(dims));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        var indices = TensorConvert.ToInt64s(ctx.Input(1));
        if (x.Rank < 3) throw ctx.Error(ErrorCode.ShapeMismatch, "MaxUnpool input must have rank >= 3");
        if (indices.Length != x.Length) throw ctx.Error(ErrorCode.ShapeMismatch, "MaxUnpool indices must have the shape of X");
        var a = WindowGeometry.Read(ctx.Node, x.Rank - 2, null, (code, msg) => ctx.Error(code, msg));
        int[] unpooled = [x.Shape[0], x.Shape[1], .. Unpooled(x.Shape[2..], a)];
        var outShape = ctx.OptionalInput(2) is { } os ? Array.ConvertAll(TensorConvert.ToInt64s(os), v => checked((int)v)) : unpooled;
        if (outShape.Length != x.Rank) throw ctx.Error(ErrorCode.ShapeMismatch, $"output_shape must have {x.Rank} values");
        var xs = TensorConvert.ToDoubles(x);
        var y = new double[ShapeMath.Size(unpooled)];
        for (int i = 0; i < xs.Length; i++)
        {
            long idx = indices[i];
            if (idx < 0 || idx >= y.Length)
                throw ctx.Error(ErrorCode.IndexOutOfRange, $"MaxUnpool index {idx} is outside the unpooled tensor of {y.Length} elements");
            y[idx] = xs[i];
        }
        // Place the unpooled tensor at the origin of the requested output.
        var result = new double[ShapeMath.Size(outShape)];
        var src = ShapeMath.Strides(unpooled);
        var dst = ShapeMath.Strides(outShape);
        for (int i = 0; i < y.Length; i++)
        {
            int flat = 0;
            bool inside = true;
            for (int d = 0; d < unpooled.Length; d++)
            {
                int c = i / src[d] % unpooled[d];
                if (c >= outShape[d]) { inside = false; break; }
                flat += c * dst[d];
            }
            if (inside) result[flat] = y[i];
        }
        return TensorConvert.FromDoubles(x.DataType, result, outShape);
    }
}
