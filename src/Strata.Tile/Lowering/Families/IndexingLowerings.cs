using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Lowerings of ops that pick elements by position or by loaded indices (Strata.Graph/Ops/Tensor/
/// IndexingOps.cs, GatherOps.cs, GeneratorOps.cs, PadOps.cs): Trilu, ReverseSequence, GatherND, OneHot and
/// CenterCropPad. Loaded index values are used as indices directly (negative ones count from the back).</summary>
internal static class IndexingLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        ViewLowerings.Add(registry, "Trilu", Trilu);
        ViewLowerings.Add(registry, "ReverseSequence", ReverseSequence);
        ViewLowerings.Add(registry, "GatherND", GatherND);
        ViewLowerings.Add(registry, "OneHot", OneHot, 1);
        ViewLowerings.Add(registry, "CenterCropPad", CenterCropPad, 1);
    }

    /// <summary>Trilu: keeps the upper (<c>j − i ≥ k</c>) or lower (<c>j − i ≤ k</c>) triangle of the last two dims,
    /// zero elsewhere; k (input 1) may be data.</summary>
    private static TileValue? Trilu(TileLoweringContext c)
    {
        if (!c.HasInput(0) || c.Input(0).Rank < 2) return null;
        var x = c.Input(0);
        Expr k = Expr.Index(0);
        if (Lowering.Has(c, 1))
        {
            if (!c.HasInput(1) || !c.Input(1).Type.IsInteger() || c.Input(1).Shape.Aggregate(1L, (p, d) => p * d) != 1) return null;
            k = Lowering.ConstInts(c, 1) is [var known] ? Expr.Index(known) : CastTo(Single(c.Input(1)), DataType.Int64);
        }
        bool upper = c.Node.GetInt("upper", 1) != 0;
        int r = x.Rank;
        return Define(x.Type, x.Shape, (idx, simplify) =>
        {
            var diff = new Binary(BinaryOp.Sub, idx[r - 1], idx[r - 2]);
            var keep = simplify(new Binary(upper ? BinaryOp.Ge : BinaryOp.Le, diff, k));
            return simplify(new Select(keep, x.At(idx), Const(0, x.Type)));
        });
    }

    /// <summary>ReverseSequence: for batch b, time steps t &lt; len[b] read <c>len[b] − 1 − t</c>.</summary>
    private static TileValue? ReverseSequence(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, lens) = (c.Input(0), c.Input(1));
        long batchAxis = c.Node.GetInt("batch_axis", 1), timeAxis = c.Node.GetInt("time_axis", 0);
        if (x.Rank < 2 || batchAxis is not (0 or 1) || timeAxis is not (0 or 1) || batchAxis == timeAxis) return null;
        if (lens.Rank != 1 || lens.Shape[0] != x.Shape[(int)batchAxis] || !lens.Type.IsInteger()) return null;
        int b = (int)batchAxis, t = (int)timeAxis;
        return Define(x.Type, x.Shape, (idx, simplify) =>
        {
            var len = CastTo(lens.At(idx[b]), DataType.Int64);
            var src = idx.ToArray();
            src[t] = new Select(new Binary(BinaryOp.Lt, idx[t], len),
                new Binary(BinaryOp.Sub, new Binary(BinaryOp.Sub, len, Expr.Index(1)), idx[t]), idx[t]);
            return x.At(src);
        });
    }

    /// <summary>GatherND: each row of the last index dim addresses a slice of data after batch_dims batch dims.</summary>
    private static TileValue? GatherND(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, indices) = (c.Input(0), c.Input(1));
        int bd = (int)c.Node.GetInt("batch_dims", 0), r = x.Rank, q = indices.Rank;
        if (q < 1 || r < 1 || bd < 0 || bd >= Math.Min(r, q) || !indices.Type.IsInteger()) return null;
        long k = indices.Shape[q - 1];
        if (bd + k > r || Enumerable.Range(0, bd).Any(d => indices.Shape[d] != x.Shape[d])) return null;
        var shape = indices.Shape.Take(q - 1).Concat(x.Shape.Skip(bd + (int)k)).ToImmutableArray();
        return Define(x.Type, shape, (idx, _) =>
        {
            var row = idx.Take(q - 1).ToList();
            var src = new List<Expr>(idx.Take(bd));
            for (int j = 0; j < k; j++)
                src.Add(DataMovementLowerings.NormalizeIndex(indices.At([.. row, Expr.Index(j)]), x.Shape[bd + j], nonNegative: false));
            src.AddRange(idx.Skip(q - 1));
            return x.At(src);
        });
    }

    /// <summary>OneHot with a compile-time depth: values[1] where the inserted axis equals the (truncated, negative
    /// from the back) index, values[0] elsewhere.</summary>
    private static TileValue? OneHot(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(2) || Lowering.ConstDoubles(c, 1) is not [var depthValue]) return null;
        var (indices, values) = (c.Input(0), c.Input(2));
        long depth = (long)depthValue;
        if (depth < 1 || values.Shape.Aggregate(1L, (p, d) => p * d) != 2 || !PointwiseLowerings.IsNumber(indices.Type)) return null;
        if (Lowering.Axis(c.Node.GetInt("axis", -1), indices.Rank + 1) is not { } axis) return null;
        var shape = indices.Shape.Take(axis).Append(depth).Concat(indices.Shape.Skip(axis)).ToImmutableArray();
        Expr Value(int i) => values.At(values.Shape.Select(d => d == 2 ? Expr.Index(i) : Expr.Index(0)).ToArray());
        return Define(values.Type, shape, (idx, simplify) =>
        {
            var i = CastTo(indices.At(idx.Where((_, d) => d != axis).ToArray()), DataType.Int64);
            var normalized = new Select(new Binary(BinaryOp.Lt, i, Expr.Index(0)), new Binary(BinaryOp.Add, i, Expr.Index(depth)), i);
            return new Select(new Binary(BinaryOp.Eq, normalized, idx[axis]), Value(1), Value(0));
        });
    }

    /// <summary>CenterCropPad with a compile-time target shape: per listed axis, crop or zero-pad symmetrically
    /// (the odd element at the end).</summary>
    private static TileValue? CenterCropPad(TileLoweringContext c)
    {
        if (!c.HasInput(0) || Lowering.ConstInts(c, 1) is not { } target) return null;
        var x = c.Input(0);
        var axes = Lowering.Axes(c.Node.GetInts("axes") ?? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray(), x.Rank);
        if (axes is null || target.Length != axes.Length || target.Any(t => t < 0)) return null;
        var shape = x.Shape.ToArray();
        var shift = new long[x.Rank];
        for (int i = 0; i < axes.Length; i++)
        {
            long dim = x.Shape[axes[i]], size = target[i];
            shape[axes[i]] = size;
            shift[axes[i]] = size < dim ? (dim - size) / 2 : -((size - dim) / 2);
        }
        return Define(x.Type, [.. shape], (idx, simplify) =>
        {
            var src = new Expr[x.Rank];
            Expr inside = Bool(true);
            for (int d = 0; d < x.Rank; d++)
            {
                src[d] = simplify(new Binary(BinaryOp.Add, idx[d], Expr.Index(shift[d])));
                inside = simplify(new Binary(BinaryOp.And, inside, new Binary(BinaryOp.And,
                    new Binary(BinaryOp.Ge, src[d], Expr.Index(0)), new Binary(BinaryOp.Lt, src[d], Expr.Index(x.Shape[d])))));
            }
            return simplify(new Select(inside, x.At(src), Const(0, x.Type)));
        });
    }
}
