using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Shared plumbing of the built-in lowerings: wrapping a function as an <see cref="ITileLowering"/> that
/// refuses (returns null, so the node falls back) when an input or output has an element type the scalar levels
/// do not compute, or when the lowered value disagrees with the node's inferred output type; and small readers of
/// attributes and compile-time inputs.</summary>
internal static class Lowering
{
    /// <summary>A lowering of a single-output op.</summary>
    public static ITileLowering Of(Func<TileLoweringContext, TileValue?> lower) =>
        new TileLowering(c => Guard(c, () => lower(c) is { } v ? [v] : null));

    /// <summary>A lowering of an op with several outputs (entries for absent outputs may be null).</summary>
    public static ITileLowering Many(Func<TileLoweringContext, IReadOnlyList<TileValue?>?> lower) =>
        new TileLowering(c => Guard(c, () => lower(c)));

    private static IReadOnlyList<TileValue?>? Guard(TileLoweringContext c, Func<IReadOnlyList<TileValue?>?> lower)
    {
        for (int i = 0; i < c.Inputs.Count; i++)
            if (c.Inputs[i] is { } v && !ScalarSemantics.IsSupported(v.Type)) return null;
        for (int i = 0; i < c.Node.Outputs.Length; i++)
            if (c.Node.Outputs[i] is not null && c.OutputType(i) is { } t && !ScalarSemantics.IsSupported(t.ElementType)) return null;
        var result = lower();
        if (result is null) return null;
        for (int i = 0; i < result.Count; i++)
        {
            if (result[i] is not { } v) continue;
            if (!ScalarSemantics.IsSupported(v.Type) || v.Shape.Any(d => d < 0)) return null;
            if (c.OutputType(i) is not { } t) continue;
            if (t.ElementType != DataType.Undefined && t.ElementType != v.Type) return null;
            if (t.Shape is { } s && (s.Rank != v.Rank || s.Dims.Where((d, k) => d.IsKnown && d.Value != v.Shape[k]).Any())) return null;
        }
        return result;
    }

    /// <summary>The value of input <paramref name="i"/> as longs when known at compile time.</summary>
    public static long[]? ConstInts(TileLoweringContext c, int i) =>
        c.ConstantInput(i) is { } t && (t.DataType.IsInteger() || t.DataType == DataType.Bool) ? TensorConvert.ToInt64s(t) : null;

    /// <summary>The value of input <paramref name="i"/> as doubles when known at compile time.</summary>
    public static double[]? ConstDoubles(TileLoweringContext c, int i) =>
        c.ConstantInput(i) is { } t && ScalarSemantics.IsSupported(t.DataType) ? TensorConvert.ToDoubles(t) : null;

    /// <summary>Whether optional input <paramref name="i"/> is given.</summary>
    public static bool Has(TileLoweringContext c, int i) => i < c.Node.Inputs.Length && c.Node.Inputs[i] is not null;

    /// <summary>Axis <paramref name="axis"/> normalised into [0, rank), or null when out of range.</summary>
    public static int? Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : null;
    }

    /// <summary>Normalised, distinct axes, or null when one is out of range or repeated.</summary>
    public static int[]? Axes(IReadOnlyList<long> axes, int rank)
    {
        var r = new int[axes.Count];
        for (int i = 0; i < r.Length; i++)
        {
            if (Axis(axes[i], rank) is not { } a || r.AsSpan(0, i).Contains(a)) return null;
            r[i] = a;
        }
        return r;
    }

    public static ImmutableArray<long> Shape(params long[] dims) => [.. dims];
}
