using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Ops that select or rearrange by position: NonZero, Trilu (keep a triangle), ReverseSequence.</summary>
internal static class IndexingOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("NonZero", InferNonZero, NonZero));
        registry.AddOp(OpSchema.Unary("Trilu", c => Infer.SameAs(c, 0) as TensorType, Trilu));
        registry.AddOp(OpSchema.Unary("ReverseSequence", c => Infer.SameAs(c, 0) as TensorType, ReverseSequence));
    }

    /// <summary>NonZero: the multi-indices (one row per axis, row-major order) of elements that are not zero
    /// (false, or the empty string). A scalar counts as a 1-d tensor of one element.</summary>
    private static Tensor NonZero(OpContext c)
    {
        var x = c.Input(0);
        var mask = NonZeroMask(x);
        int[] shape = x.Rank == 0 ? [1] : x.Shape;
        var hits = new List<int>();
        for (int i = 0; i < mask.Length; i++) if (mask[i]) hits.Add(i);
        var strides = ShapeMath.Strides(shape);
        var r = new long[shape.Length * hits.Count];
        for (int d = 0; d < shape.Length; d++)
            for (int j = 0; j < hits.Count; j++)
                r[d * hits.Count + j] = hits[j] / strides[d] % shape[d];
        return new Tensor<long>(r, [shape.Length, hits.Count]);
    }

    private static bool[] NonZeroMask(Tensor x)
    {
        if (x is Tensor<bool> b) return b.ToArray();
        var mask = new bool[x.Length];
        if (x is Tensor<string> s)
        {
            var span = s.Span;
            for (int i = 0; i < mask.Length; i++) mask[i] = span[i].Length > 0;
            return mask;
        }
        var values = TensorConvert.ToDoubles(x);
        for (int i = 0; i < mask.Length; i++) mask[i] = values[i] != 0;
        return mask;
    }

    private static TensorType InferNonZero(InferenceContext c) =>
        new(DataType.Int64, Shape.Of([TensorArgs.StaticShape(c, 0) is { } s ? Dim.Of(Math.Max(s.Rank, 1)) : Dim.Unknown, Dim.Unknown]));

    /// <summary>Trilu: keeps the upper (<c>j - i &gt;= k</c>) or lower (<c>j - i &lt;= k</c>) triangle of the last two dims; zeros elsewhere.</summary>
    private static Tensor Trilu(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"Trilu needs rank >= 2, got {ShapeMath.Format(x.Shape)}");
        long k = c.OptionalInput(1) is { } kt ? TensorArgs.Ints(kt)[0] : 0;
        bool upper = c.Int("upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        var map = new int[x.Length];
        for (int f = 0; f < map.Length; f++)
        {
            long i = f / cols % rows, j = f % cols;
            map[f] = upper ? (j - i >= k ? f : -1) : (j - i <= k ? f : -1);
        }
        return TensorCopy.Take(x, map, x.Shape);
    }

    /// <summary>ReverseSequence: for batch b, reverses the first <c>sequence_lens[b]</c> elements along the time axis.</summary>
    private static Tensor ReverseSequence(OpContext c)
    {
        var x = c.Input(0);
        var lens = TensorArgs.Ints(c.Input(1));
        int batchAxis = (int)c.Int("batch_axis", 1), timeAxis = (int)c.Int("time_axis", 0);
        if (x.Rank < 2 || batchAxis is not (0 or 1) || timeAxis is not (0 or 1) || batchAxis == timeAxis)
            throw c.Error(ErrorCode.InvalidAttribute, $"batch_axis {batchAxis} and time_axis {timeAxis} must be 0 and 1 in some order, on an input of rank >= 2");
        int batch = x.Shape[batchAxis], time = x.Shape[timeAxis];
        if (lens.Length != batch) throw c.Error(ErrorCode.ShapeMismatch, $"sequence_lens has {lens.Length} entries for batch size {batch}");
        if (lens.Any(l => l < 0 || l > time)) throw c.Error(ErrorCode.InvalidArgument, $"sequence_lens [{string.Join(",", lens)}] must be in [0, {time}]");
        var strides = ShapeMath.Strides(x.Shape);
        var map = TensorCopy.Iota(x.Length);
        for (int f = 0; f < map.Length; f++)
        {
            int b = f / strides[batchAxis] % batch, t = f / strides[timeAxis] % time;
            if (t < lens[b]) map[f] = f + (int)(lens[b] - 1 - 2 * t) * strides[timeAxis];
        }
        return TensorCopy.Take(x, map, x.Shape);
    }
}
