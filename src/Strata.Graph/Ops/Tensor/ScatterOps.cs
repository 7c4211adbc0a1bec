using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Writing updates into a copy of the data: Scatter (opset 9–10), ScatterElements, ScatterND (both with
/// the reductions none/add/mul/max/min), and TensorScatter (write a block into a KV cache at per-batch offsets).</summary>
internal static class ScatterOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Scatter", c => Infer.SameAs(c, 0), c => ScatterElements(c, "none")));
        registry.AddOp(OpSchema.Unary("ScatterElements", c => Infer.SameAs(c, 0), c => ScatterElements(c, c.String("reduction", "none"))));
        registry.AddOp(OpSchema.Unary("ScatterND", c => Infer.SameAs(c, 0), ScatterND));
        registry.AddOp(OpSchema.Unary("TensorScatter", c => Infer.SameAs(c, 0), TensorScatter));
    }

    private static Tensor ScatterElements(OpContext c, string reduction)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        if (data.Rank == 0 || indices.Rank != data.Rank || !indices.Shape.AsSpan().SequenceEqual(updates.Shape))
            throw c.Error(ErrorCode.ShapeMismatch,
                $"indices {ShapeMath.Format(indices.Shape)} and updates {ShapeMath.Format(updates.Shape)} must have the same shape, and data's rank {data.Rank} (>= 1)");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), data.Rank);
        var positions = GatherOps.ElementPositions(data.Shape, indices.Shape, axis, TensorArgs.Ints(indices));
        return Apply(c, data, positions, updates, reduction);
    }

    private static Tensor ScatterND(OpContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        var (positions, shape) = GatherOps.NdPositions(data.Shape, indices.Shape, TensorArgs.Ints(indices), 0);
        if (!shape.AsSpan().SequenceEqual(updates.Shape))
            throw c.Error(ErrorCode.ShapeMismatch, $"updates have shape {ShapeMath.Format(updates.Shape)}, expected {ShapeMath.Format(shape)}",
                "updates must have shape indices.shape[:-1] + data.shape[indices.shape[-1]:]");
        return Apply(c, data, positions, updates, c.String("reduction", "none"));
    }

    /// <summary>A copy of <paramref name="data"/> with each update combined into its position, in order.</summary>
    private static Tensor Apply(OpContext c, Tensor data, int[] positions, Tensor updates, string reduction)
    {
        if (updates.DataType != data.DataType)
            throw c.Error(ErrorCode.TypeMismatch, $"updates are {updates.DataType.ShortName()} but data is {data.DataType.ShortName()}");
        if (reduction == "none") return TensorCopy.Put(data, positions, updates);
        if (reduction is not ("add" or "mul" or "max" or "min"))
            throw c.Error(ErrorCode.InvalidAttribute, $"unknown reduction '{reduction}'", "use none, add, mul, max or min");
        return NumericDispatch.Invoke<ReduceFunc, Tensor>(data.DataType, new ReduceFunc(data, positions, updates, reduction));
    }

    private readonly struct ReduceFunc(Tensor data, int[] positions, Tensor updates, string reduction) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            var r = data.As<T>().ToArray();
            var u = updates.As<T>().Span;
            for (int i = 0; i < positions.Length; i++)
            {
                ref T x = ref r[positions[i]];
                x = reduction switch { "add" => x + u[i], "mul" => x * u[i], "max" => T.Max(x, u[i]), _ => T.Min(x, u[i]) };
            }
            return new Tensor<T>(r, data.Shape);
        }

        // bfloat16 and bool: combine as doubles.
        public Tensor InvokeOther()
        {
            var r = TensorConvert.ToDoubles(data);
            var u = TensorConvert.ToDoubles(updates);
            for (int i = 0; i < positions.Length; i++)
            {
                ref double x = ref r[positions[i]];
                x = reduction switch { "add" => x + u[i], "mul" => x * u[i], "max" => Math.Max(x, u[i]), _ => Math.Min(x, u[i]) };
            }
            return TensorConvert.FromDoubles(data.DataType, r, data.Shape);
        }
    }

    /// <summary>TensorScatter (opset 24): writes <c>update</c> into a copy of <c>past_cache</c> along <c>axis</c>, batch b
    /// starting at <c>write_indices[b]</c> (0 when omitted); <c>circular</c> mode wraps around the axis.</summary>
    private static Tensor TensorScatter(OpContext c)
    {
        var cache = c.Input(0);
        var update = c.Input(1);
        int rank = cache.Rank;
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", -2), rank);
        string mode = c.String("mode", "linear");
        if (mode is not ("linear" or "circular")) throw c.Error(ErrorCode.InvalidAttribute, $"unknown mode '{mode}'", "use linear or circular");
        if (axis == 0) throw c.Error(ErrorCode.InvalidAttribute, "axis must not be the batch axis 0");
        if (update.Rank != rank || Enumerable.Range(0, rank).Any(d => d == axis ? update.Shape[d] > cache.Shape[d] : update.Shape[d] != cache.Shape[d]))
            throw c.Error(ErrorCode.ShapeMismatch, $"update {ShapeMath.Format(update.Shape)} does not fit cache {ShapeMath.Format(cache.Shape)} along axis {axis}");
        int batch = cache.Shape[0], max = cache.Shape[axis];
        var write = c.OptionalInput(2) is { } w ? TensorArgs.Ints(w) : new long[batch];
        if (write.Length != batch) throw c.Error(ErrorCode.ShapeMismatch, $"write_indices has {write.Length} entries for batch size {batch}");
        var strides = ShapeMath.Strides(cache.Shape);
        var baseStrides = (int[])strides.Clone();
        baseStrides[axis] = 0;
        var positions = TensorCopy.StridedMap(update.Shape, baseStrides);
        int perBatch = ShapeMath.Size(update.Shape.AsSpan(1));
        int inner = ShapeMath.Size(update.Shape.AsSpan(axis + 1));
        int seq = update.Shape[axis];
        for (int k = 0; k < positions.Length; k++)
        {
            long at = write[k / perBatch] + k / inner % seq;
            if (mode == "circular") at = ((at % max) + max) % max;
            else if (at < 0 || at >= max)
                throw c.Error(ErrorCode.IndexOutOfRange, $"write position {at} is outside the cache axis of size {max}",
                    "write_indices + the update length must fit the cache (or use circular mode)");
            positions[k] += (int)at * strides[axis];
        }
        return TensorCopy.Put(cache, positions, update);
    }
}
