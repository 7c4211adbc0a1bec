using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Type-agnostic data movement for the tensor ops. Most of them say, for each output element, which
/// input element it copies (an <em>index map</em>: flat source index, or -1 for "fill"); one generic loop
/// then moves the data for every element type. Index maps are built per axis with <see cref="OffsetMap"/>.</summary>
internal static class TensorCopy
{
    /// <summary><c>out[i] = src[map[i]]</c>, or the first element of <paramref name="fill"/> (zero / empty string
    /// when null) where <c>map[i] &lt; 0</c>.</summary>
    public static Tensor Take(Tensor src, int[] map, int[] shape, Tensor? fill = null) =>
        ElementDispatch.Invoke<TakeFunc, Tensor>(src.DataType, new TakeFunc(src, map, shape, fill));

    /// <summary>A copy of <paramref name="data"/> with <c>out[positions[i]] = updates[i]</c>, in order (later writes win).</summary>
    public static Tensor Put(Tensor data, int[] positions, Tensor updates) =>
        ElementDispatch.Invoke<PutFunc, Tensor>(data.DataType, new PutFunc(data, positions, updates));

    /// <summary>A tensor of <paramref name="shape"/> whose elements all equal the first element of <paramref name="value"/>.</summary>
    public static Tensor Fill(Tensor value, int[] shape) =>
        Take(value, new int[ShapeMath.Size(shape)], shape);

    /// <summary>Joins tensors of equal rank along <paramref name="axis"/> (other dims must match).</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis, int[] shape) =>
        ElementDispatch.Invoke<ConcatFunc, Tensor>(parts[0].DataType, new ConcatFunc(parts, axis, shape));

    /// <summary>An index map from per-axis offsets: <c>offsets[d][i]</c> is what index <c>i</c> along output axis
    /// <c>d</c> adds to the flat source index, or -1 when that position lies outside the source (then the whole
    /// element maps to -1). The output shape is the lengths of the offset arrays.</summary>
    public static int[] OffsetMap(IReadOnlyList<int[]> offsets)
    {
        int[] map = [0];
        foreach (var axis in offsets)
        {
            var next = new int[map.Length * axis.Length];
            int k = 0;
            foreach (int m in map)
                foreach (int a in axis)
                    next[k++] = m < 0 || a < 0 ? -1 : m + a;
            map = next;
        }
        return map;
    }

    /// <summary>An index map where output axis <c>d</c> reads source index <c>tables[d][i]</c> along source axis
    /// <c>d</c> (-1 = outside the source), for a source of shape <paramref name="srcShape"/>.</summary>
    public static int[] AxisMap(IReadOnlyList<int[]> tables, int[] srcShape)
    {
        var strides = ShapeMath.Strides(srcShape);
        var offsets = new int[tables.Count][];
        for (int d = 0; d < tables.Count; d++)
        {
            var t = tables[d];
            var o = offsets[d] = new int[t.Length];
            for (int i = 0; i < t.Length; i++) o[i] = t[i] < 0 ? -1 : t[i] * strides[d];
        }
        return OffsetMap(offsets);
    }

    /// <summary>The index map of a view with <paramref name="shape"/> reading the source at <paramref name="strides"/>
    /// (in elements) from <paramref name="start"/>.</summary>
    public static int[] StridedMap(int[] shape, int[] strides, int start = 0)
    {
        var offsets = new int[shape.Length][];
        for (int d = 0; d < shape.Length; d++)
        {
            var o = offsets[d] = new int[shape[d]];
            for (int i = 0; i < o.Length; i++) o[i] = i * strides[d] + (d == 0 ? start : 0);
        }
        if (shape.Length == 0) return [start];
        return OffsetMap(offsets);
    }

    /// <summary>The identity table <c>[0, 1, …, n-1]</c> for an axis that is copied unchanged.</summary>
    public static int[] Iota(int n)
    {
        var t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i;
        return t;
    }

    /// <summary>Transposes a tensor of <paramref name="shape"/> (which may be a reshaped view of the data) by
    /// <paramref name="perm"/>: returns the index map and the permuted shape.</summary>
    public static (int[] Map, int[] Shape) TransposeMap(int[] shape, IReadOnlyList<int> perm)
    {
        var strides = ShapeMath.Strides(shape);
        var outShape = new int[perm.Count];
        var outStrides = new int[perm.Count];
        for (int i = 0; i < perm.Count; i++) { outShape[i] = shape[perm[i]]; outStrides[i] = strides[perm[i]]; }
        return (StridedMap(outShape, outStrides), outShape);
    }

    private readonly struct TakeFunc(Tensor src, int[] map, int[] shape, Tensor? fill) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var s = src.As<T>().Span;
            T f = fill is null || fill.Length == 0 ? default! : fill.As<T>()[0];
            var r = new T[map.Length];
            for (int i = 0; i < r.Length; i++)
            {
                int m = map[i];
                r[i] = m >= 0 ? s[m] : f;
            }
            return new Tensor<T>(r, shape);
        }
    }

    private readonly struct PutFunc(Tensor data, int[] positions, Tensor updates) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var r = data.As<T>().ToArray();
            var u = updates.As<T>().Span;
            for (int i = 0; i < positions.Length; i++) r[positions[i]] = u[i];
            return new Tensor<T>(r, data.Shape);
        }
    }

    private readonly struct ConcatFunc(IReadOnlyList<Tensor> parts, int axis, int[] shape) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var r = new T[ShapeMath.Size(shape)];
            int outer = ShapeMath.Size(shape.AsSpan(0, axis));
            int inner = ShapeMath.Size(shape.AsSpan(axis + 1));
            int pos = 0;
            for (int o = 0; o < outer; o++)
                foreach (var p in parts)
                {
                    int block = p.Shape[axis] * inner;
                    p.As<T>().Span.Slice(o * block, block).CopyTo(r.AsSpan(pos, block));
                    pos += block;
                }
            return new Tensor<T>(r, shape);
        }
    }
}
