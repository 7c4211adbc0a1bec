using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Lowerings of ops that select, join, repeat or pad elements (Slice, Split, Concat, Tile, Pad, Gather,
/// GatherElements) as index remaps. Joins and constant padding choose between sources with a select over the
/// output index, so the loads it guards are only evaluated where they are in range. Gathers load the index tensor
/// and use the loaded value as an index (negative indices count from the back).</summary>
internal static class DataMovementLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        ViewLowerings.Add(registry, "Slice", Slice, 1, 2, 3, 4);
        ViewLowerings.Add(registry, "Concat", Concat);
        registry.AddLowering("", "Split", Lowering.Many(Split, 1));
        ViewLowerings.Add(registry, "Tile", Tile, 1);
        ViewLowerings.Add(registry, "Pad", Pad, 1, 3);
        ViewLowerings.Add(registry, "Gather", Gather);
        ViewLowerings.Add(registry, "GatherElements", GatherElements);
    }

    /// <summary>Slice with compile-time starts/ends/axes/steps: output index k of a sliced axis reads
    /// <c>first + k·step</c> (steps may be negative).</summary>
    private static TileValue? Slice(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long[]? starts, ends, axes, steps;
        if (c.Opset >= 10)
        {
            starts = Lowering.ConstInts(c, 1);
            ends = Lowering.ConstInts(c, 2);
            axes = Lowering.ConstInts(c, 3);
            steps = Lowering.ConstInts(c, 4);
            if (Lowering.Has(c, 3) && axes is null || Lowering.Has(c, 4) && steps is null) return null;
        }
        else (starts, ends, axes, steps) = (c.Node.GetInts("starts") ?? [], c.Node.GetInts("ends") ?? [], c.Node.GetInts("axes"), null);
        if (starts is null || ends is null) return null;
        int n = starts.Length;
        if (ends.Length != n || axes is not null && axes.Length != n || steps is not null && steps.Length != n) return null;
        if (Lowering.Axes(axes ?? Enumerable.Range(0, n).Select(i => (long)i).ToArray(), x.Rank) is not { } axisList) return null;
        var first = new long[x.Rank];
        var step = Enumerable.Repeat(1L, x.Rank).ToArray();
        var shape = x.Shape.ToArray();
        for (int i = 0; i < n; i++)
        {
            int a = axisList[i];
            long s = steps?[i] ?? 1;
            if (s == 0) return null;
            (first[a], shape[a]) = Resolve(starts[i], ends[i], s, x.Shape[a]);
            step[a] = s;
        }
        return View(x, [.. shape], idx => idx.Select((e, d) => first[d] == 0 && step[d] == 1 ? e
            : new Binary(BinaryOp.Add, new Binary(BinaryOp.Mul, e, Expr.Index(step[d])), Expr.Index(first[d]))).ToArray());
    }

    /// <summary>Slice's first index and element count on a dim (negative starts/ends count from the back, then
    /// clamp to [0, dim] going forward, [-1, dim-1] going back).</summary>
    public static (long First, long Count) Resolve(long start, long end, long step, long dim)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, end > start ? (end - start - 1) / step + 1 : 0);
        }
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return (start, start > end ? (start - end - 1) / -step + 1 : 0);
    }

    /// <summary>Concat: along the axis, a select chain picks the input whose range holds the index and reads it
    /// at the index minus the input's offset.</summary>
    private static TileValue? Concat(TileLoweringContext c)
    {
        var parts = Enumerable.Range(0, c.Inputs.Count).Where(c.HasInput).Select(c.Input).ToList();
        if (parts.Count == 0 || parts[0].Rank == 0 || parts.Any(p => p.Type != parts[0].Type || p.Rank != parts[0].Rank)) return null;
        if (Lowering.Axis(c.Node.GetInt("axis", 0), parts[0].Rank) is not { } axis) return null;
        var first = parts[0];
        if (parts.Any(p => Enumerable.Range(0, p.Rank).Any(d => d != axis && p.Shape[d] != first.Shape[d]))) return null;
        var shape = first.Shape.SetItem(axis, parts.Sum(p => p.Shape[axis]));
        var nonEmpty = parts.Where(p => p.Shape[axis] > 0).ToList();
        if (nonEmpty.Count == 0) return parts[0];
        return Define(first.Type, shape, (idx, simplify) =>
        {
            // Built from the last input backwards: select(i < end0, in0[i], select(i < end1, in1[i - end0], in2[i - end1])).
            long end = shape[axis];
            Expr? e = null;
            for (int k = nonEmpty.Count - 1; k >= 0; k--)
            {
                long start = end - nonEmpty[k].Shape[axis];
                var shifted = idx.ToArray();
                shifted[axis] = simplify(new Binary(BinaryOp.Sub, idx[axis], Expr.Index(start)));
                var load = nonEmpty[k].At(shifted);
                e = e is null ? load : simplify(new Select(new Binary(BinaryOp.Lt, idx[axis], Expr.Index(end)), load, e));
                end = start;
            }
            return e!;
        });
    }

    /// <summary>Split: each output is the input shifted along the axis by the sizes before it.</summary>
    private static IReadOnlyList<TileValue?>? Split(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        if (Lowering.Axis(c.Node.GetInt("axis", 0), x.Rank) is not { } axis) return null;
        int outputs = c.Node.Outputs.Length;
        long[]? sizes;
        if (c.Opset >= 13 ? Lowering.Has(c, 1) : c.Node.Attr("split") is not null)
            sizes = c.Opset >= 13 ? Lowering.ConstInts(c, 1) : c.Node.GetInts("split");
        else
        {
            int n = c.Opset >= 18 && c.Node.GetInt("num_outputs", 0) is > 0 and var k ? (int)k : outputs;
            long dim = x.Shape[axis], chunk = (dim + n - 1) / n;
            sizes = Enumerable.Range(0, n).Select(i => Math.Max(0, Math.Min(chunk, dim - chunk * i))).ToArray();
        }
        if (sizes is null || sizes.Length != outputs || sizes.Any(s => s < 0) || sizes.Sum() != x.Shape[axis]) return null;
        var result = new TileValue?[outputs];
        long start = 0;
        for (int i = 0; i < outputs; i++)
        {
            long offset = start;
            result[i] = View(x, x.Shape.SetItem(axis, sizes[i]), idx =>
                idx.Select((e, d) => d == axis && offset != 0 ? new Binary(BinaryOp.Add, e, Expr.Index(offset)) : e).ToArray());
            start += sizes[i];
        }
        return result;
    }

    /// <summary>Tile: each dim repeats, so the input is read at the output index modulo its size.</summary>
    private static TileValue? Tile(TileLoweringContext c)
    {
        if (!c.HasInput(0) || Lowering.ConstInts(c, 1) is not { } repeats) return null;
        var x = c.Input(0);
        if (repeats.Length != x.Rank || repeats.Any(r => r < 0)) return null;
        var shape = x.Shape.Select((d, i) => d * repeats[i]).ToImmutableArray();
        return View(x, shape, idx => idx.Select((e, d) => repeats[d] == 1 ? e : new Binary(BinaryOp.Mod, e, Expr.Index(x.Shape[d]))).ToArray());
    }

    /// <summary>Pad with compile-time pads (and axes): per axis, output index o reads source <c>o − begin</c> after
    /// negative pads crop; outside the source, constant mode gives the pad value (a select), edge clamps, reflect
    /// mirrors without repeating the edge, wrap takes the index modulo the size.</summary>
    private static TileValue? Pad(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        string mode = c.Node.GetString("mode", "constant");
        if (mode is not ("constant" or "edge" or "reflect" or "wrap")) return null;
        long[]? pads, axes = null;
        Expr value;
        if (c.Opset >= 11)
        {
            pads = Lowering.ConstInts(c, 1);
            if (c.Opset >= 18 && Lowering.Has(c, 3) && (axes = Lowering.ConstInts(c, 3)) is null) return null;
            if (Lowering.Has(c, 2) && mode == "constant")
            {
                if (!c.HasInput(2) || c.Input(2).Type != x.Type || c.Input(2).Shape.Aggregate(1L, (p, d) => p * d) != 1) return null;
                value = Single(c.Input(2));
            }
            else value = Const(0, x.Type);
        }
        else
        {
            pads = c.Node.GetInts(c.Opset < 2 ? "paddings" : "pads");
            value = Const(c.Node.GetFloat("value", 0f), x.Type);
        }
        if (pads is null) return null;
        var axisList = Lowering.Axes(axes ?? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray(), x.Rank);
        if (axisList is null || pads.Length != 2 * axisList.Length) return null;
        var begin = new long[x.Rank];
        var endPad = new long[x.Rank];
        for (int i = 0; i < axisList.Length; i++) (begin[axisList[i]], endPad[axisList[i]]) = (pads[i], pads[axisList.Length + i]);

        var lo = new long[x.Rank];
        var core = new long[x.Rank];
        var padLo = new long[x.Rank];
        var shape = new long[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            lo[d] = Math.Max(0, -begin[d]);
            core[d] = x.Shape[d] - Math.Max(0, -endPad[d]) - lo[d];
            padLo[d] = Math.Max(0, begin[d]);
            shape[d] = padLo[d] + core[d] + Math.Max(0, endPad[d]);
            if (core[d] < 0 || shape[d] < 0) return null;
            if (core[d] == 0 && shape[d] > 0 && mode != "constant") return null;
        }
        return Define(x.Type, [.. shape], (idx, simplify) =>
        {
            var src = new Expr[x.Rank];
            Expr inside = Bool(true);
            for (int d = 0; d < x.Rank; d++)
            {
                if (begin[d] == 0 && endPad[d] == 0) { src[d] = idx[d]; continue; }
                // i: the position in the (cropped) source range [0, core).
                Expr i = simplify(new Binary(BinaryOp.Sub, idx[d], Expr.Index(padLo[d])));
                Expr k = Index(core[d]);
                Expr s = mode switch
                {
                    "edge" => Min(Max(i, Index(0)), Index(core[d] - 1)),
                    "wrap" => new Binary(BinaryOp.Mod, i, k),
                    // Mirror without repeating the edge, period 2(n-1): (n-1) - |(n-1) - (i mod period)|.
                    "reflect" => core[d] == 1 ? Index(0) : new Binary(BinaryOp.Sub, Index(core[d] - 1),
                        new Unary(UnaryOp.Abs, new Binary(BinaryOp.Sub, Index(core[d] - 1), new Binary(BinaryOp.Mod, i, Index(2 * (core[d] - 1)))))),
                    _ => i,
                };
                src[d] = simplify(new Binary(BinaryOp.Add, s, Index(lo[d])));
                if (mode == "constant")
                    inside = simplify(new Binary(BinaryOp.And, inside,
                        new Binary(BinaryOp.And, new Binary(BinaryOp.Ge, i, Index(0)), new Binary(BinaryOp.Lt, i, k))));
            }
            return mode == "constant" ? simplify(new Select(inside, x.At(src), value)) : x.At(src);
        });
    }

    /// <summary>Gather: output <c>[d0.., j.., d_axis+1..]</c> reads data at <c>[d0.., indices[j..], d_axis+1..]</c>.</summary>
    private static TileValue? Gather(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, indices) = (c.Input(0), c.Input(1));
        if (x.Rank == 0 || !indices.Type.IsInteger()) return null;
        if (Lowering.Axis(c.Node.GetInt("axis", 0), x.Rank) is not { } axis) return null;
        int q = indices.Rank;
        var known = Lowering.ConstInts(c, 1);
        if (known is not null && known.Any(i => i < -x.Shape[axis] || i >= x.Shape[axis])) return null;
        var shape = x.Shape.Take(axis).Concat(indices.Shape).Concat(x.Shape.Skip(axis + 1)).ToImmutableArray();
        return Define(x.Type, shape, (idx, simplify) =>
        {
            Expr i = known is [var only] ? Index(only < 0 ? only + x.Shape[axis] : only)
                : NormalizeIndex(indices.At(idx.Skip(axis).Take(q).ToArray()), x.Shape[axis], known is not null && known.All(v => v >= 0));
            var src = idx.Take(axis).Append(i).Concat(idx.Skip(axis + q)).ToArray();
            return x.At(src);
        });
    }

    /// <summary>GatherElements: output (of the indices' shape) reads data at its own index with the axis entry
    /// replaced by the index value.</summary>
    private static TileValue? GatherElements(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, indices) = (c.Input(0), c.Input(1));
        if (x.Rank == 0 || indices.Rank != x.Rank || !indices.Type.IsInteger()) return null;
        if (Lowering.Axis(c.Node.GetInt("axis", 0), x.Rank) is not { } axis) return null;
        if (Enumerable.Range(0, x.Rank).Any(d => d != axis && indices.Shape[d] > x.Shape[d])) return null;
        var known = Lowering.ConstInts(c, 1);
        return Define(x.Type, indices.Shape, (idx, _) =>
        {
            var src = idx.ToArray();
            src[axis] = NormalizeIndex(indices.At(idx), x.Shape[axis], known is not null && known.All(v => v >= 0));
            return x.At(src);
        });
    }

    /// <summary>An index value as i64, with negative values counting from the back: <c>select(i &lt; 0, i + n, i)</c>.</summary>
    public static Expr NormalizeIndex(Expr index, long n, bool nonNegative)
    {
        var i = CastTo(index, DataType.Int64);
        if (nonNegative || index.Type.IsUnsignedInteger()) return i;
        return new Select(new Binary(BinaryOp.Lt, i, Index(0)), new Binary(BinaryOp.Add, i, Index(n)), i);
    }

    private static Expr Index(long v) => Expr.Index(v);
    private static Expr Min(Expr a, Expr b) => new Binary(BinaryOp.Min, a, b);
    private static Expr Max(Expr a, Expr b) => new Binary(BinaryOp.Max, a, b);
}
