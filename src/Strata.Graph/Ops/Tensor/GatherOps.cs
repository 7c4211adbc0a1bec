using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Gathering by index: Gather, GatherElements, GatherND, and Compress (gather by a boolean mask).</summary>
internal static class GatherOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Gather", InferGather, Gather));
        registry.AddOp(OpSchema.Unary("GatherElements", InferGatherElements, GatherElements));
        registry.AddOp(OpSchema.Unary("GatherND", InferGatherND, GatherND));
        registry.AddOp(OpSchema.Unary("Compress", InferCompress, Compress));
    }

    /// <summary>An index into a dim of size <paramref name="dim"/>: negative counts from the back; out of range throws.</summary>
    public static int Index(long i, int dim)
    {
        long j = i < 0 ? i + dim : i;
        if (j < 0 || j >= dim)
            throw new StrataException(ErrorCode.IndexOutOfRange, $"index {i} is out of range for a dim of size {dim}",
                $"indices must be in [{-dim}, {dim - 1}]");
        return (int)j;
    }

    private static Tensor Gather(OpContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        if (x.Rank == 0) throw c.Error(ErrorCode.InvalidShape, "Gather needs data of rank >= 1");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank);
        var idx = TensorArgs.Ints(indices);
        int dim = x.Shape[axis];
        int outer = ShapeMath.Size(x.Shape.AsSpan(0, axis)), inner = ShapeMath.Size(x.Shape.AsSpan(axis + 1));
        var map = new int[outer * idx.Length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++)
            foreach (long i in idx)
            {
                int start = (o * dim + Index(i, dim)) * inner;
                for (int t = 0; t < inner; t++) map[k++] = start + t;
            }
        int[] shape = [.. x.Shape.AsSpan(0, axis), .. indices.Shape, .. x.Shape.AsSpan(axis + 1)];
        return TensorCopy.Take(x, map, shape);
    }

    private static TensorType? InferGather(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        var i = TensorArgs.StaticShape(c, 1);
        if (s is null || i is null || s.Rank == 0) return new TensorType(et, null);
        int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), s.Rank);
        return new TensorType(et, Shape.Of([.. s.Dims.Take(axis), .. i.Dims, .. s.Dims.Skip(axis + 1)]));
    }

    private static Tensor GatherElements(OpContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        if (x.Rank == 0 || indices.Rank != x.Rank)
            throw c.Error(ErrorCode.InvalidShape, $"data {ShapeMath.Format(x.Shape)} and indices {ShapeMath.Format(indices.Shape)} must have the same rank >= 1");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank);
        var map = ElementPositions(x.Shape, indices.Shape, axis, TensorArgs.Ints(indices));
        return TensorCopy.Take(x, map, indices.Shape);
    }

    /// <summary>For each element of an index tensor of <paramref name="indexShape"/>: the flat position in a tensor of
    /// <paramref name="dataShape"/> at the same multi-index, with the index along <paramref name="axis"/> replaced by its value
    /// (GatherElements, ScatterElements).</summary>
    public static int[] ElementPositions(int[] dataShape, int[] indexShape, int axis, long[] idx)
    {
        for (int d = 0; d < dataShape.Length; d++)
            if (d != axis && indexShape[d] > dataShape[d])
                throw new StrataException(ErrorCode.ShapeMismatch,
                    $"indices {ShapeMath.Format(indexShape)} are larger than data {ShapeMath.Format(dataShape)} in dim {d}",
                    "outside the axis, index dims must not exceed the data's");
        var strides = ShapeMath.Strides(dataShape);
        var baseStrides = (int[])strides.Clone();
        baseStrides[axis] = 0;
        var map = TensorCopy.StridedMap(indexShape, baseStrides);
        for (int k = 0; k < map.Length; k++) map[k] += Index(idx[k], dataShape[axis]) * strides[axis];
        return map;
    }

    private static TensorType? InferGatherElements(InferenceContext c) =>
        c.InputElementType(0) is { } et ? new TensorType(et, TensorArgs.StaticShape(c, 1)) : null;

    private static Tensor GatherND(OpContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        int b = checked((int)c.Int("batch_dims", 0));
        var (map, shape) = NdPositions(x.Shape, indices.Shape, TensorArgs.Ints(indices), b);
        return TensorCopy.Take(x, map, shape);
    }

    /// <summary>GatherND/ScatterND addressing: each row of the last index dim picks a slice of the data (after
    /// <paramref name="batchDims"/> leading batch dims). Returns the flat positions of every element of every slice, and
    /// the shape <c>indices[:-1] + data[batch+k:]</c>.</summary>
    public static (int[] Map, int[] Shape) NdPositions(int[] dataShape, int[] indexShape, long[] idx, int batchDims)
    {
        int r = dataShape.Length, q = indexShape.Length;
        if (q < 1 || r < 1 || batchDims < 0 || batchDims >= Math.Min(r, q))
            throw new StrataException(ErrorCode.InvalidShape, $"indices {ShapeMath.Format(indexShape)} and data {ShapeMath.Format(dataShape)} do not fit batch_dims {batchDims}",
                "indices need rank >= 1 and batch_dims < min(rank(data), rank(indices))");
        int k = indexShape[q - 1];
        if (batchDims + k > r)
            throw new StrataException(ErrorCode.InvalidShape, $"index rows of length {k} address more dims than data {ShapeMath.Format(dataShape)} has after {batchDims} batch dims",
                "the last index dim must be <= rank(data) - batch_dims");
        for (int d = 0; d < batchDims; d++)
            if (indexShape[d] != dataShape[d])
                throw new StrataException(ErrorCode.ShapeMismatch, $"batch dim {d} differs: indices {ShapeMath.Format(indexShape)}, data {ShapeMath.Format(dataShape)}",
                    "the first batch_dims dims of data and indices must be equal");
        var strides = ShapeMath.Strides(dataShape);
        int slice = ShapeMath.Size(dataShape.AsSpan(batchDims + k));
        int rows = ShapeMath.Size(indexShape.AsSpan(0, q - 1));
        int rowsPerBatch = ShapeMath.Size(indexShape.AsSpan(batchDims, q - 1 - batchDims));
        int batchStride = ShapeMath.Size(dataShape.AsSpan(batchDims));
        var map = new int[rows * slice];
        int m = 0;
        for (int row = 0; row < rows; row++)
        {
            int start = rowsPerBatch == 0 ? 0 : row / rowsPerBatch * batchStride;
            for (int j = 0; j < k; j++) start += Index(idx[row * k + j], dataShape[batchDims + j]) * strides[batchDims + j];
            for (int t = 0; t < slice; t++) map[m++] = start + t;
        }
        int[] shape = [.. indexShape.AsSpan(0, q - 1), .. dataShape.AsSpan(batchDims + k)];
        return (map, shape);
    }

    private static TensorType? InferGatherND(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        var i = TensorArgs.StaticShape(c, 1);
        int b = (int)c.Node.GetInt("batch_dims", 0);
        if (s is null || i is null || i.Rank == 0 || i[i.Rank - 1].Value is not { } k) return new TensorType(et, null);
        if (b + k > s.Rank) return new TensorType(et, null);
        return new TensorType(et, Shape.Of([.. i.Dims.Take(i.Rank - 1), .. s.Dims.Skip(b + (int)k)]));
    }

    private static Tensor Compress(OpContext c)
    {
        var x = c.Input(0);
        var condition = TensorArgs.Ints(c.Input(1));
        bool hasAxis = c.HasAttr("axis");
        var shape = hasAxis ? x.Shape : [x.Length];
        int axis = hasAxis ? ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank) : 0;
        var tables = shape.Select(TensorCopy.Iota).ToArray();
        tables[axis] = Enumerable.Range(0, condition.Length).Where(i => condition[i] != 0).ToArray();
        if (tables[axis].Any(i => i >= shape[axis]))
            throw c.Error(ErrorCode.InvalidShape, $"condition selects entries beyond the axis size {shape[axis]}", "the condition may not select past the end of the axis");
        return TensorCopy.Take(x, TensorCopy.AxisMap(tables, shape), tables.Select(t => t.Length).ToArray());
    }

    private static TensorType? InferCompress(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var selected = TensorArgs.ConstInts(c, 1) is { } cond ? Dim.Of(cond.Count(v => v != 0)) : Dim.Unknown;
        if (!c.Node.Attributes.ContainsKey("axis")) return new TensorType(et, Shape.Of([selected]));
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        var dims = s.Dims.ToArray();
        dims[ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), s.Rank)] = selected;
        return new TensorType(et, Shape.Of(dims));
    }
}
