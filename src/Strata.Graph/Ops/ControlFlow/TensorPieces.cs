using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Cutting tensors along an axis and joining them back: what Loop, Scan and the sequence ops need to move
/// data for every element type. All copies are contiguous runs (one span copy per outer index).</summary>
internal static class TensorPieces
{
    /// <summary>The elements <c>[start, start + count)</c> of <paramref name="axis"/>, as a new tensor of the same rank.</summary>
    public static Tensor Slice(Tensor t, int axis, int start, int count) =>
        ElementDispatch.Invoke<SliceFunc, Tensor>(t.DataType, new SliceFunc(t, axis, start, count));

    /// <summary>Element <paramref name="index"/> of <paramref name="axis"/>, with that axis removed.</summary>
    public static Tensor Take(Tensor t, int axis, int index) => Slice(t, axis, index, 1).Reshape(RemoveAxis(t.Shape, axis));

    /// <summary>Joins tensors of equal rank along an existing axis; the other dims must agree.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to concatenate");
        var first = parts[0];
        foreach (var p in parts)
        {
            if (p.DataType != first.DataType)
                throw new StrataException(ErrorCode.TypeMismatch, $"cannot join {first.DataType.ShortName()} and {p.DataType.ShortName()} tensors",
                    "all joined tensors must have one element type");
            bool ok = p.Rank == first.Rank;
            for (int d = 0; ok && d < p.Rank; d++) ok = d == axis || p.Shape[d] == first.Shape[d];
            if (!ok)
                throw new StrataException(ErrorCode.ShapeMismatch,
                    $"cannot join shapes {ShapeMath.Format(first.Shape)} and {ShapeMath.Format(p.Shape)} along axis {axis}",
                    "all dims except the joined axis must be equal");
        }
        return ElementDispatch.Invoke<ConcatFunc, Tensor>(first.DataType, new ConcatFunc(parts, axis));
    }

    /// <summary>Joins tensors of equal shape along a new axis inserted at <paramref name="axis"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> parts, int axis)
    {
        var expanded = new Tensor[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            if (!parts[i].Shape.AsSpan().SequenceEqual(parts[0].Shape))
                throw new StrataException(ErrorCode.ShapeMismatch,
                    $"cannot stack shapes {ShapeMath.Format(parts[0].Shape)} and {ShapeMath.Format(parts[i].Shape)}",
                    "every stacked value (e.g. each iteration's scan output) must have the same shape");
            expanded[i] = parts[i].Reshape(InsertAxis(parts[i].Shape, axis, 1));
        }
        return Concat(expanded, axis);
    }

    /// <summary>Cuts <paramref name="t"/> along <paramref name="axis"/> into pieces of the given sizes.</summary>
    public static Tensor[] Split(Tensor t, int axis, IReadOnlyList<int> sizes)
    {
        var parts = new Tensor[sizes.Count];
        int start = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            parts[i] = Slice(t, axis, start, sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    public static int[] RemoveAxis(int[] shape, int axis)
    {
        var r = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++)
            if (i != axis) r[j++] = shape[i];
        return r;
    }

    public static int[] InsertAxis(int[] shape, int axis, int size)
    {
        var r = new int[shape.Length + 1];
        for (int i = 0, j = 0; i < r.Length; i++)
            r[i] = i == axis ? size : shape[j++];
        return r;
    }

    /// <summary>Product of dims before <paramref name="axis"/> (outer) and after it (inner).</summary>
    private static (int Outer, int Inner) Around(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, inner);
    }

    private readonly struct SliceFunc(Tensor t, int axis, int start, int count) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            if (axis < 0 || axis >= t.Rank || start < 0 || count < 0 || start + count > t.Shape[axis])
                throw new StrataException(ErrorCode.IndexOutOfRange,
                    $"range [{start}, {start + count}) of axis {axis} is outside shape {ShapeMath.Format(t.Shape)}",
                    "check the indices and split sizes against the input shape");
            var shape = (int[])t.Shape.Clone();
            shape[axis] = count;
            var result = new Tensor<T>(shape);
            var (outer, inner) = Around(t.Shape, axis);
            var src = t.As<T>().Span;
            var dst = result.Span;
            int n = t.Shape[axis], run = count * inner;
            for (int o = 0; o < outer; o++)
                src.Slice((o * n + start) * inner, run).CopyTo(dst.Slice(o * run, run));
            return result;
        }
    }

    private readonly struct ConcatFunc(IReadOnlyList<Tensor> parts, int axis) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var shape = (int[])parts[0].Shape.Clone();
            int total = 0;
            foreach (var p in parts) total += p.Shape[axis];
            shape[axis] = total;
            var result = new Tensor<T>(shape);
            var (outer, inner) = Around(shape, axis);
            var dst = result.Span;
            int offset = 0;
            foreach (var p in parts)
            {
                var src = p.As<T>().Span;
                int run = p.Shape[axis] * inner;
                for (int o = 0; o < outer; o++)
                    src.Slice(o * run, run).CopyTo(dst.Slice(o * total * inner + offset, run));
                offset += run;
            }
            return result;
        }
    }
}
