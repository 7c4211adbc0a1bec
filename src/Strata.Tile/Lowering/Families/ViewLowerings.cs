using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of views and data movement (Reshape, Transpose, Slice, Concat, Gather, Pad, …) as index remaps.
/// No element is copied: a view's value reads its input at remapped indices, so it fuses into whatever consumes it.
/// Shape-like operands (Reshape's shape, Slice's starts, Pad's pads…) must be known at compile time, else the node
/// falls back. This file holds the pure views (the output is the input's elements in another arrangement);
/// <see cref="DataMovementLowerings"/> the ops that select, join or pad; <see cref="ResizeLowerings"/> and
/// <see cref="GeneratorLowerings"/> the rest.</summary>
internal static class ViewLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        Add(registry, "Reshape", Reshape, 1);
        Add(registry, "Flatten", Flatten);
        Add(registry, "Squeeze", Squeeze, 1);
        Add(registry, "Unsqueeze", Unsqueeze, 1);
        Add(registry, "Transpose", Transpose);
        Add(registry, "Expand", Expand, 1);
        Add(registry, "DepthToSpace", c => Blocks(c, toSpace: true));
        Add(registry, "SpaceToDepth", c => Blocks(c, toSpace: false));

        DataMovementLowerings.Register(registry);
        IndexingLowerings.Register(registry);
        ResizeLowerings.Register(registry);
        GeneratorLowerings.Register(registry);
    }

    public static void Add(ExtensionRegistry registry, string op, Func<TileLoweringContext, TileValue?> lower, params int[] constantOperands) =>
        registry.AddLowering("", op, Lowering.Of(lower, constantOperands));

    /// <summary>Reshape: 0 copies the input dim (unless allowzero), one -1 is inferred.</summary>
    private static TileValue? Reshape(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long[]? spec = c.Opset >= 5 ? Lowering.ConstInts(c, 1) : c.Node.GetInts("shape");
        if (spec is null || ReshapeDims(x.Shape, spec, c.Node.GetInt("allowzero", 0) != 0) is not { } dims) return null;
        return TileValues.Reshape(x, dims);
    }

    public static ImmutableArray<long>? ReshapeDims(ImmutableArray<long> input, long[] spec, bool allowZero)
    {
        var dims = new long[spec.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long d = spec[i];
            if (d == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                continue;
            }
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) return null;
                d = input[i];
            }
            if (d < 0) return null;
            dims[i] = d;
            known *= d;
        }
        long total = input.Aggregate(1L, (p, d) => p * d);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) return null;
            dims[inferred] = total / known;
        }
        else if (known != total) return null;
        return [.. dims];
    }

    private static TileValue? Flatten(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long axis = c.Node.GetInt("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) return null;
        long outer = x.Shape.Take((int)axis).Aggregate(1L, (p, d) => p * d), inner = x.Shape.Skip((int)axis).Aggregate(1L, (p, d) => p * d);
        return TileValues.Reshape(x, [outer, inner]);
    }

    /// <summary>Squeeze: the listed size-1 dims (all size-1 dims when no axes are given) disappear; they read index 0.</summary>
    private static TileValue? Squeeze(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long[]? axes = c.Opset >= 13 ? (Lowering.Has(c, 1) ? Lowering.ConstInts(c, 1) : null) : c.Node.GetInts("axes");
        if (c.Opset >= 13 && Lowering.Has(c, 1) && axes is null) return null;
        bool[] drop = new bool[x.Rank];
        if (axes is null)
            for (int d = 0; d < x.Rank; d++) drop[d] = x.Shape[d] == 1;
        else
        {
            if (Lowering.Axes(axes, x.Rank) is not { } list || list.Any(a => x.Shape[a] != 1)) return null;
            foreach (int a in list) drop[a] = true;
        }
        var shape = x.Shape.Where((_, d) => !drop[d]).ToImmutableArray();
        return View(x, shape, idx =>
        {
            var src = new Expr[x.Rank];
            for (int d = 0, j = 0; d < src.Length; d++) src[d] = drop[d] ? Expr.Index(0) : idx[j++];
            return src;
        });
    }

    /// <summary>Unsqueeze: new size-1 dims at the listed output positions; their index is not read.</summary>
    private static TileValue? Unsqueeze(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long[]? axes = c.Opset >= 13 ? Lowering.ConstInts(c, 1) : c.Node.GetInts("axes");
        if (axes is null) return null;
        int rank = x.Rank + axes.Length;
        if (Lowering.Axes(axes, rank) is not { } list) return null;
        var added = new bool[rank];
        foreach (int a in list) added[a] = true;
        var shape = new long[rank];
        for (int d = 0, j = 0; d < rank; d++) shape[d] = added[d] ? 1 : x.Shape[j++];
        return View(x, [.. shape], idx => idx.Where((_, d) => !added[d]).ToArray());
    }

    private static TileValue? Transpose(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        var permAttr = c.Node.GetInts("perm");
        int[]? perm = permAttr is null ? Enumerable.Range(0, x.Rank).Reverse().ToArray()
            : permAttr.Length == x.Rank ? Lowering.Axes(permAttr, x.Rank) : null;
        return perm is null ? null : TileValues.Transpose(x, perm);
    }

    /// <summary>Expand: numpy broadcast of the input with the given shape.</summary>
    private static TileValue? Expand(TileLoweringContext c)
    {
        if (!c.HasInput(0) || Lowering.ConstInts(c, 1) is not { } spec || spec.Any(d => d < 0)) return null;
        var x = c.Input(0);
        if (BroadcastShape([x.Shape, [.. spec]]) is not { } shape) return null;
        return BroadcastTo(x, shape);
    }

    /// <summary>DepthToSpace (DCR or CRD) and SpaceToDepth on [N, C, H, W], as the reference defines them: a 6-d
    /// reshape, a transpose and a reshape back — composed as index remaps.</summary>
    private static TileValue? Blocks(TileLoweringContext c, bool toSpace)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        long b = c.Node.GetInt("blocksize", 0);
        if (x.Rank != 4 || b <= 0) return null;
        long n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        long[] view, shape;
        int[] perm;
        if (toSpace)
        {
            if (ch % (b * b) != 0) return null;
            long cOut = ch / (b * b);
            bool crd = c.Node.GetString("mode", "DCR") == "CRD";
            view = crd ? [n, cOut, b, b, h, w] : [n, b, b, cOut, h, w];
            perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
            shape = [n, cOut, h * b, w * b];
        }
        else
        {
            if (h % b != 0 || w % b != 0) return null;
            view = [n, ch, h / b, b, w / b, b];
            perm = [0, 3, 5, 1, 2, 4];
            shape = [n, ch * b * b, h / b, w / b];
        }
        return TileValues.Reshape(TileValues.Transpose(TileValues.Reshape(x, [.. view]), perm), [.. shape]);
    }
}
