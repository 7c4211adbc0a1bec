using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>LayerNormalization (with its Mean/InvStdDev outputs), RMSNormalization, GroupNormalization,
/// InstanceNormalization, MeanVarianceNormalization, LpNormalization and LRN. Statistics are f64 reductions (two
/// passes for the variance, as in the reference) — except LayerNormalization/RMSNormalization on f32, which compute in
/// their stash_type (f32 by default, as the spec says) — and the normalised value is rounded to the element type once.</summary>
internal static class NormalizationLowerings
{
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "LayerNormalization", Explained(LayerNorm));
        registry.AddLowering("", "RMSNormalization", Explained(RmsNorm));
        registry.AddLowering("", "GroupNormalization", Explained(GroupNorm));
        registry.AddLowering("", "InstanceNormalization", Explained(InstanceNorm));
        registry.AddLowering("", "MeanVarianceNormalization", Explained(MeanVarianceNorm));
        registry.AddLowering("", "LpNormalization", Explained(LpNorm));
        registry.AddLowering("", "LRN", Explained(Lrn));
    }

    /// <summary>Mean and 1/sqrt(variance + eps) of each group of <paramref name="g"/> (over its <see cref="AxisGrouping.OutShape"/>);
    /// <paramref name="x"/> gives elements in <paramref name="at"/>, the accumulation type (f64 unless stated).</summary>
    private static (TileValue Mean, TileValue InvStd) Moments(KernelBuilder kb, AxisGrouping g, Func<IReadOnlyList<Expr>, Expr> x, double eps,
        DataType at = F64T)
    {
        var n = C(g.Count, at);
        var sum = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) => x(g.InputIndex(o, r)), "sum");
        // Mean and 1/std are stored once per group: the per-element passes read them, instead of dividing (and
        // taking a square root) again at every element.
        var mean = kb.Materialize(Value(at, g.OutShape, o => Div(sum.At(o), n)), "mean");
        var sq = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) =>
        {
            var d = Sub(x(g.InputIndex(o, r)), mean.At(o));
            return Mul(d, d);
        }, "sqdev");
        var inv = kb.Materialize(Value(at, g.OutShape, o => Un(UnaryOp.Rsqrt, Add(Div(sq.At(o), n), C(eps, at)))), "invstd");
        return (mean, inv);
    }

    /// <summary>The type LayerNormalization/RMSNormalization compute their statistics in: the spec's stash_type
    /// (f32 by default) for f32 inputs — f32 lanes are twice as many per vector as f64 and need no widening casts —
    /// and f64 otherwise (f64 inputs, and f16/bf16, which do not vectorise anyway).</summary>
    private static DataType StashAccumulator(DataType t, DataType stash) =>
        t == DataType.Float32 && stash == DataType.Float32 ? DataType.Float32 : F64T;

    private static double Epsilon(TileLoweringContext c) => c.Node.GetFloat("epsilon", 1e-5f);

    /// <summary>Optional input <paramref name="i"/> broadcast to <paramref name="shape"/> as f64; (null, true) when
    /// omitted, (null, false) when it does not broadcast.</summary>
    private static (TileValue? Value, bool Ok) Param(TileLoweringContext c, int i, ImmutableArray<long> shape)
    {
        if (!c.HasInput(i)) return (null, true);
        var p = c.Input(i);
        if (!IsFloat(p.Type) || !BroadcastsTo(p.Shape, shape)) return (null, false);
        return (BroadcastTo(p, shape), true);
    }

    /// <summary>Element <paramref name="flat"/> (row-major) of a parameter tensor, as f64.</summary>
    private static Expr Flat(TileValue p, Expr flat) => F64(p.At(Unflatten(flat, p.Shape)));

    private static IReadOnlyList<TileValue?>? LayerNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t) || Axis(c.Node.GetInt("axis", -1), x.Rank) is not { } axis) return null;
        var (scale, okS) = Param(c, 1, x.Shape);
        var (bias, okB) = Param(c, 2, x.Shape);
        if (!okS || !okB) return null;
        var stash = (DataType)c.Node.GetInt("stash_type", 1);
        bool wantStats = c.Node.Outputs.Length > 1 && c.Node.Outputs.Skip(1).Any(o => o is not null);
        if (wantStats && !IsFloat(stash)) return null;

        var g = AxisGrouping.Trailing(x.Shape, axis);
        var at = StashAccumulator(t, stash);
        var (mean, inv) = Moments(c.Builder, g, idx => To(x.At(idx), at), Epsilon(c), at);
        var y = Value(t, x.Shape, idx =>
        {
            var gi = g.GroupIndex(idx);
            var v = Mul(Sub(To(x.At(idx), at), mean.At(gi)), inv.At(gi));
            if (scale is not null) v = Mul(v, To(scale.At(idx), at));
            if (bias is not null) v = Add(v, To(bias.At(idx), at));
            return To(v, t);
        });
        var result = new TileValue?[c.Node.Outputs.Length];
        result[0] = y;
        TileValue Stat(TileValue s) => g.WithKeptDims(Value(stash, s.Shape, o => To(s.At(o), stash)));
        if (result.Length > 1 && c.Node.Outputs[1] is not null) result[1] = Stat(mean);
        if (result.Length > 2 && c.Node.Outputs[2] is not null) result[2] = Stat(inv);
        return result;
    }

    private static IReadOnlyList<TileValue?>? RmsNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t) || Axis(c.Node.GetInt("axis", -1), x.Rank) is not { } axis) return null;
        var (scale, ok) = Param(c, 1, x.Shape);
        if (!ok) return null;
        var g = AxisGrouping.Trailing(x.Shape, axis);
        var at = StashAccumulator(t, (DataType)c.Node.GetInt("stash_type", 1));
        var sq = ComputeExprs.Reduce(c.Builder, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) =>
        {
            var v = To(x.At(g.InputIndex(o, r)), at);
            return Mul(v, v);
        }, "sumsq");
        double eps = Epsilon(c);
        return [Value(t, x.Shape, idx =>
        {
            var inv = Un(UnaryOp.Rsqrt, Add(Div(sq.At(g.GroupIndex(idx)), C(g.Count, at)), C(eps, at)));
            var v = Mul(To(x.At(idx), at), inv);
            if (scale is not null) v = Mul(v, To(scale.At(idx), at));
            return To(v, t);
        })];
    }

    private static IReadOnlyList<TileValue?>? GroupNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t) || x.Rank < 2 || !c.HasInput(1) || !c.HasInput(2)) return null;
        long channels = x.Shape[1];
        long groups = c.Node.GetInt("num_groups", 0);
        if (groups <= 0 || channels % groups != 0) return null;
        var scale = c.Input(1);
        var bias = c.Input(2);
        long ns = Size(scale.Shape), nb = Size(bias.Shape);
        bool perChannel = ns == channels && nb == channels;
        if (!perChannel && (ns != groups || nb != groups)) return null;
        long perGroup = channels / groups;

        // Statistics per (n, group) over (channel in group, spatial...): the input viewed as [N, G, C/G, spatial...].
        var viewShape = ImmutableArray.Create(x.Shape[0], groups, perGroup).AddRange(x.Shape.Skip(2));
        var g = AxisGrouping.Trailing(viewShape, 2);
        Expr XView(IReadOnlyList<Expr> v) =>
            F64(x.At([v[0], IAdd(IMul(v[1], perGroup), v[2]), .. v.Skip(3)]));
        var (mean, inv) = Moments(c.Builder, g, XView, Epsilon(c));
        return [Value(t, x.Shape, idx =>
        {
            var grp = IDiv(idx[1], perGroup);
            Expr[] gi = [idx[0], grp];
            var p = perChannel ? idx[1] : grp;
            var v = Add(Mul(Mul(Sub(F64(x.At(idx)), mean.At(gi)), inv.At(gi)), Flat(scale, p)), Flat(bias, p));
            return To(v, t);
        })];
    }

    private static IReadOnlyList<TileValue?>? InstanceNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t) || x.Rank < 2 || !c.HasInput(1) || !c.HasInput(2)) return null;
        var scale = c.Input(1);
        var bias = c.Input(2);
        if (Size(scale.Shape) != x.Shape[1] || Size(bias.Shape) != x.Shape[1]) return null;
        var g = AxisGrouping.Trailing(x.Shape, 2);
        var (mean, inv) = Moments(c.Builder, g, idx => F64(x.At(idx)), Epsilon(c));
        return [Value(t, x.Shape, idx =>
        {
            var gi = g.GroupIndex(idx);
            var a = Mul(Flat(scale, idx[1]), inv.At(gi));
            return To(Add(Mul(Sub(F64(x.At(idx)), mean.At(gi)), a), Flat(bias, idx[1])), t);
        })];
    }

    private static IReadOnlyList<TileValue?>? MeanVarianceNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t)) return null;
        var axes = c.Node.GetInts("axes") ?? [0, 2, 3];
        var reduced = new bool[x.Rank];
        if (axes.Length == 0) Array.Fill(reduced, true);
        foreach (var a in axes)
        {
            if (Axis(a, x.Rank) is not { } n || reduced[n]) return null;
            reduced[n] = true;
        }
        var g = new AxisGrouping(x.Shape, reduced, keepDims: false);
        var kb = c.Builder;
        var n64 = C(g.Count, F64T);
        var s = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) => F64(x.At(g.InputIndex(o, r))), "sum");
        var sq = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) =>
        {
            var v = F64(x.At(g.InputIndex(o, r)));
            return Mul(v, v);
        }, "sumsq");
        return [Value(t, x.Shape, idx =>
        {
            var gi = g.GroupIndex(idx);
            var m = Div(s.At(gi), n64);
            var std = Un(UnaryOp.Sqrt, Max(C(0, F64T), Sub(Div(sq.At(gi), n64), Mul(m, m))));
            return To(Div(Sub(F64(x.At(idx)), m), Add(std, C(1e-9, F64T))), t);
        })];
    }

    private static IReadOnlyList<TileValue?>? LpNorm(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        long p = c.Node.GetInt("p", 2);
        if (!IsFloat(t) || p is not (1 or 2) || x.Rank == 0 || Axis(c.Node.GetInt("axis", -1), x.Rank) is not { } axis) return null;
        var g = AxisGrouping.Of(x.Shape, [axis]);
        var s = ComputeExprs.Reduce(c.Builder, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) =>
        {
            var v = F64(x.At(g.InputIndex(o, r)));
            return p == 1 ? Un(UnaryOp.Abs, v) : Mul(v, v);
        }, p == 1 ? "l1" : "sumsq");
        return [Value(t, x.Shape, idx =>
        {
            var sv = s.At(g.GroupIndex(idx));
            var norm = p == 1 ? sv : Un(UnaryOp.Sqrt, sv);
            return To(Sel(Eq(norm, C(0, F64T)), C(0, F64T), Div(F64(x.At(idx)), norm)), t);
        })];
    }

    /// <summary>LRN: x / (bias + alpha/size · Σ x² over a window of channels)^beta; the window is clipped to the channels.</summary>
    private static IReadOnlyList<TileValue?>? Lrn(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        long size = c.Node.GetInt("size", 0);
        if (!IsFloat(t) || x.Rank < 2 || size <= 0) return null;
        double alpha = c.Node.GetFloat("alpha", 1e-4f), beta = c.Node.GetFloat("beta", 0.75f), bias = c.Node.GetFloat("bias", 1f);
        long channels = x.Shape[1], before = (size - 1) / 2;
        // Accumulate in the input's own precision when it is f32/f64: an f64 temp of an f32 activation doubles the
        // kernel's scratch (the sum of squares of a window of 5 channels needs no more than f32's 24 bits).
        var at = t is DataType.Float32 or DataType.Float64 ? t : F64T;
        var sq = c.Builder.Reduce(ReduceOp.Sum, x.Shape, [size], (o, r) =>
        {
            var ch = ISub(IAdd(o[1], r[0]), before);
            var v = To(x.At([o[0], ch, .. o.Skip(2)]), at);
            return Guard(InRange(ch, channels), Mul(v, v), C(0, at));
        }, "sumsq", ["n", "c"], ["j"]);
        return [Value(t, x.Shape, idx =>
        {
            var den = PowerOf(Add(C(bias, at), Mul(C(alpha / size, at), sq.At(idx))), beta, at);
            return To(Div(To(x.At(idx), at), den), t);
        })];
    }

    /// <summary><c>b^beta</c>; the usual exponents by square roots, which are vector instructions where a general pow is
    /// a call per lane (alexnet's LRN, beta 0.75, cost twice its 5×5 conv): b^0.75 = √b·√√b, b^0.5 = √b, b^1 = b
    /// (NaN for b &lt; 0 as pow gives, within 2 ulp otherwise).</summary>
    private static Expr PowerOf(Expr b, double beta, DataType at) => beta switch
    {
        1 => b,
        0.5 => Un(UnaryOp.Sqrt, b),
        0.75 => Mul(Un(UnaryOp.Sqrt, b), Un(UnaryOp.Sqrt, Un(UnaryOp.Sqrt, b))),
        _ => Bin(BinaryOp.Pow, b, C(beta, at)),
    };

    private static long Size(ImmutableArray<long> shape) => shape.Aggregate(1L, (a, b) => a * b);
}
