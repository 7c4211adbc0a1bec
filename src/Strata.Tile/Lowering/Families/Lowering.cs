using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Shared plumbing of the built-in lowerings: wrapping a function as an <see cref="ITileLowering"/> that
/// refuses (returns null, so the node falls back) when an input or output has an element type the scalar levels
/// do not compute, or when the lowered value disagrees with the node's inferred output type; and small readers of
/// attributes and compile-time inputs.</summary>
internal static class Lowering
{
    /// <summary>A lowering of a single-output op. <paramref name="constantOperands"/>: the inputs that must be known at
    /// compile time when given (they set the output's shape: Reshape's shape, Slice's starts…).</summary>
    public static ITileLowering Of(Func<TileLoweringContext, TileValue?> lower, params int[] constantOperands) =>
        new TileLowering(c => Guard(c, constantOperands, () => lower(c) is { } v ? [v] : null));

    /// <summary>A lowering of an op with several outputs (entries for absent outputs may be null).</summary>
    public static ITileLowering Many(Func<TileLoweringContext, IReadOnlyList<TileValue?>?> lower, params int[] constantOperands) =>
        new TileLowering(c => Guard(c, constantOperands, () => lower(c)));

    /// <summary>Declines with a reason (shown in fallback reports).</summary>
    public static TileValue? Decline(TileLoweringContext c, string reason)
    {
        c.Decline(reason);
        return null;
    }

    private static IReadOnlyList<TileValue?>? Guard(TileLoweringContext c, int[] constantOperands, Func<IReadOnlyList<TileValue?>?> lower)
    {
        for (int i = 0; i < c.Inputs.Count; i++)
            if (c.Inputs[i] is { } v && !ScalarSemantics.IsSupported(v.Type))
                return c.Decline($"input {i} has element type {v.Type.ShortName()}, which Tile kernels do not compute");
        for (int i = 0; i < c.Node.Outputs.Length; i++)
            if (c.Node.Outputs[i] is not null && c.OutputType(i) is { } t && !ScalarSemantics.IsSupported(t.ElementType))
                return c.Decline($"output {i} has element type {t.ElementType.ShortName()}, which Tile kernels do not compute");
        foreach (int i in constantOperands)
            if (Has(c, i) && c.ConstantInput(i) is null && !(c.HasInput(i) && c.Input(i).Shape.Any(d => d == 0)))
                return c.Decline($"input {i} (%{c.Node.Inputs[i]!.Name}) is not known at compile time, and it sets the output's shape");
        var result = lower();
        if (result is null) return null;
        for (int i = 0; i < result.Count; i++)
        {
            if (result[i] is not { } v) continue;
            if (!ScalarSemantics.IsSupported(v.Type) || v.Shape.Any(d => d < 0))
                return c.Decline($"output {i} would be {v.Type.ShortName()}[{string.Join(",", v.Shape)}]");
            if (c.OutputType(i) is not { } t) continue;
            if (t.ElementType != DataType.Undefined && t.ElementType != v.Type
                || t.Shape is { } s && (s.Rank != v.Rank || s.Dims.Where((d, k) => d.IsKnown && d.Value != v.Shape[k]).Any()))
                return c.Decline($"the lowered output {i} is {v.Type.ShortName()}[{string.Join(",", v.Shape)}] but the graph infers {t} (a lowering bug)");
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
