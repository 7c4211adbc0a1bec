using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Repeating data: Expand (numpy broadcast to a shape) and Tile (repeat the whole tensor per axis).</summary>
internal static class ExpandTileOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Expand", InferExpand, c =>
        {
            var x = c.Input(0);
            var shape = ShapeMath.Broadcast(x.Shape, TensorArgs.Dims(TensorArgs.Ints(c.Input(1)), "Expand shape"));
            return TensorCopy.Take(x, ShapeMath.BroadcastIndexMap(x.Shape, shape), shape);
        }));
        registry.AddOp(OpSchema.Unary("Tile", InferTile, c =>
        {
            var x = c.Input(0);
            var repeats = TensorArgs.Ints(c.Input(1));
            if (repeats.Length != x.Rank)
                throw c.Error(ErrorCode.InvalidShape, $"repeats has {repeats.Length} entries for a rank-{x.Rank} input", "give one repeat count per axis");
            var counts = TensorArgs.Dims(repeats, "Tile repeats");
            var tables = new int[x.Rank][];
            for (int d = 0; d < x.Rank; d++)
            {
                var t = tables[d] = new int[checked(x.Shape[d] * counts[d])];
                for (int i = 0; i < t.Length; i++) t[i] = i % x.Shape[d];
            }
            return TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), tables.Select(t => t.Length).ToArray());
        }));
    }

    private static TensorType? InferExpand(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        if (TensorArgs.ConstInts(c, 1) is not { } spec)
        {
            // The output rank is the larger of the two ranks, if known.
            int? rank = s is not null && c.InputShape(1) is [var n] ? Math.Max(s.Rank, n) : null;
            return TensorArgs.UnknownDims(et, rank);
        }
        if (s is null) return new TensorType(et, null);
        return new TensorType(et, Infer.BroadcastShapes([s, Shape.Of(spec)]));
    }

    private static TensorType? InferTile(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        if (TensorArgs.ConstInts(c, 1) is not { } repeats || repeats.Length != s.Rank) return TensorArgs.UnknownDims(et, s.Rank);
        return new TensorType(et, Shape.Of(s.Dims.Select((d, i) => d.Value is { } v ? Dim.Of(v * repeats[i]) : repeats[i] == 1 ? d : Dim.Unknown)));
    }
}
