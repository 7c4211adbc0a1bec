using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>Reduce* (Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare), ArgMax/ArgMin, and the
/// softmax family (Softmax, LogSoftmax, Hardmax). As in the reference: floating-point types accumulate in f64 and
/// round once, except f32 Sum, Mean, SumSquare, L1 and L2, which accumulate in f32 as ONNX Runtime's do; integer Sum/Mean/Max/Min/Prod/L1/SumSquare are exact in the element type (wrapping); integer
/// L2/LogSum/LogSumExp go through f64 and truncate; bool only reduces with Max/Min.</summary>
internal static class ReductionLowerings
{
    private enum Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare }

    private enum SoftmaxKind { Softmax, LogSoftmax, Hardmax }

    public static void Register(ExtensionRegistry registry)
    {
        AddReduce(registry, "ReduceSum", Kind.Sum, axesInputSince: 13);
        AddReduce(registry, "ReduceMean", Kind.Mean, 18);
        AddReduce(registry, "ReduceMax", Kind.Max, 18);
        AddReduce(registry, "ReduceMin", Kind.Min, 18);
        AddReduce(registry, "ReduceProd", Kind.Prod, 18);
        AddReduce(registry, "ReduceL1", Kind.L1, 18);
        AddReduce(registry, "ReduceL2", Kind.L2, 18);
        AddReduce(registry, "ReduceLogSum", Kind.LogSum, 18);
        AddReduce(registry, "ReduceLogSumExp", Kind.LogSumExp, 18);
        AddReduce(registry, "ReduceSumSquare", Kind.SumSquare, 18);
        registry.AddLowering("", "ArgMax", Explained(c => Arg(c, max: true)));
        registry.AddLowering("", "ArgMin", Explained(c => Arg(c, max: false)));
        registry.AddLowering("", "Softmax", Explained(c => Softmax(c, SoftmaxKind.Softmax)));
        registry.AddLowering("", "LogSoftmax", Explained(c => Softmax(c, SoftmaxKind.LogSoftmax)));
        registry.AddLowering("", "Hardmax", Explained(c => Softmax(c, SoftmaxKind.Hardmax)));
        registry.AddLowering("", "CumSum", Explained(c => Cumulative(c, product: false)));
        registry.AddLowering("", "CumProd", Explained(c => Cumulative(c, product: true)));
        registry.AddLowering("", "TopK", Explained(TopK));
    }

    private static void AddReduce(ExtensionRegistry registry, string op, Kind kind, int axesInputSince) =>
        registry.AddLowering("", op, Explained(c => Reduce(c, kind, axesInputSince)));

    /// <summary>The grouping of a Reduce* node: axes from the attribute (before <paramref name="since"/>) or the
    /// constant axes input, keepdims, noop_with_empty_axes. Null when the axes are not known at compile time or invalid.</summary>
    private static AxisGrouping? Grouping(TileLoweringContext c, TileValue x, int since)
    {
        long[]? axes;
        if (c.Opset >= since)
        {
            if (c.Node.Inputs.Length > 1 && c.Node.Inputs[1] is not null)
            {
                if (c.ConstantInput(1) is not { } t)
                {
                    c.Decline("the axes input is not a compile-time constant");
                    return null;
                }
                axes = TensorConvert.ToInt64s(t);
            }
            else axes = null;
        }
        else axes = c.Node.GetInts("axes");
        bool noop = c.Opset >= since && c.Node.GetInt("noop_with_empty_axes", 0) != 0;
        var reduced = new bool[x.Rank];
        if (axes is null || axes.Length == 0)
        {
            if (!noop) Array.Fill(reduced, true);
        }
        else
            foreach (var a in axes)
            {
                if (Axis(a, x.Rank) is not { } n || reduced[n]) return null;
                reduced[n] = true;
            }
        return new AxisGrouping(x.Shape, reduced, c.Node.GetInt("keepdims", 1) != 0);
    }

    private static IReadOnlyList<TileValue?>? Reduce(TileLoweringContext c, Kind kind, int since)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!ScalarSemantics.IsSupported(t) || t == DataType.Bool && kind is not (Kind.Max or Kind.Min))
            return c.Decline($"{c.Node.OpType} of {t.ShortName()} is not lowered");
        if (Grouping(c, x, since) is not { } g) return null;
        var kb = c.Builder;
        string name = kind.ToString().ToLowerInvariant();

        TileValue R(ReduceOp op, Func<Expr, Expr> term, string hint = "r") =>
            ComputeExprs.Reduce(kb, op, g.OutShape, g.Extents, (o, r) => term(x.At(g.InputIndex(o, r))), hint);

        if (kind is Kind.Max or Kind.Min)
            return [R(kind == Kind.Max ? ReduceOp.Max : ReduceOp.Min, v => v, name)];

        bool exact = !IsFloat(t) && kind is not (Kind.L2 or Kind.LogSum or Kind.LogSumExp);
        if (exact)
        {
            bool unsigned = t.IsUnsignedInteger();
            TileValue r = kind switch
            {
                Kind.Sum or Kind.Mean => R(ReduceOp.Sum, v => v, "sum"),
                Kind.SumSquare => R(ReduceOp.Sum, v => Mul(v, v), "sumsq"),
                Kind.L1 => R(ReduceOp.Sum, v => unsigned ? v : Un(UnaryOp.Abs, v), "l1"),
                _ => R(ReduceOp.Prod, v => v, "prod"),
            };
            if (kind != Kind.Mean) return [r];
            return [Value(t, r.Shape, o => Div(r.At(o), C(g.Count, t)))];
        }

        // f32 sums accumulate in f32, as ONNX Runtime's reduce kernels and the f32 pools and normalizations here do
        // (PoolLowerings, LayerNormalization's stash type): f32 lanes vectorise along the reduced axis, where an f64
        // accumulator has half the lanes and kept ReduceMean over a row of 768 a scalar loop (5.5× ORT's time).
        if (t == DataType.Float32 && kind is Kind.Sum or Kind.Mean or Kind.SumSquare or Kind.L1 or Kind.L2)
        {
            var s = kind switch
            {
                Kind.SumSquare or Kind.L2 => R(ReduceOp.Sum, v => Mul(v, v), "sumsq"),
                Kind.L1 => R(ReduceOp.Sum, v => Un(UnaryOp.Abs, v), "l1"),
                _ => R(ReduceOp.Sum, v => v, "sum"),
            };
            return kind switch
            {
                Kind.Mean => [Value(t, s.Shape, o => Div(s.At(o), C(g.Count, t)))],
                Kind.L2 => [Value(t, s.Shape, o => Un(UnaryOp.Sqrt, s.At(o)))],
                _ => [s],
            };
        }

        // Through f64, rounded (or truncated, for integers) to the element type once.
        TileValue result;
        switch (kind)
        {
            case Kind.Sum or Kind.Mean or Kind.LogSum:
            {
                var s = R(ReduceOp.Sum, v => F64(v), "sum");
                result = kind switch
                {
                    Kind.Mean => Value(DataType.Float64, s.Shape, o => Div(s.At(o), C(g.Count, DataType.Float64))),
                    Kind.LogSum => Value(DataType.Float64, s.Shape, o => Un(UnaryOp.Log, s.At(o))),
                    _ => s,
                };
                break;
            }
            case Kind.SumSquare or Kind.L2:
            {
                var s = R(ReduceOp.Sum, v => { var d = F64(v); return Mul(d, d); }, "sumsq");
                result = kind == Kind.L2 ? Value(DataType.Float64, s.Shape, o => Un(UnaryOp.Sqrt, s.At(o))) : s;
                break;
            }
            case Kind.L1:
                result = R(ReduceOp.Sum, v => Un(UnaryOp.Abs, F64(v)), "l1");
                break;
            case Kind.Prod:
                result = R(ReduceOp.Prod, v => F64(v), "prod");
                break;
            default: // LogSumExp: log(sum(exp(x - m))) + m with m the (finite) maximum.
            {
                var m = R(ReduceOp.Max, v => F64(v), "max");
                Expr Shift(IReadOnlyList<Expr> o)
                {
                    var mo = m.At(o);
                    return Sel(Bin(BinaryOp.Or, Un(UnaryOp.IsInf, mo), Un(UnaryOp.IsNaN, mo)), C(0, DataType.Float64), mo);
                }
                var s = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents,
                    (o, r) => Un(UnaryOp.Exp, Sub(F64(x.At(g.InputIndex(o, r))), Shift(o))), "sumexp");
                result = Value(DataType.Float64, s.Shape, o => Add(Un(UnaryOp.Log, s.At(o)), Shift(o)));
                break;
            }
        }
        return [Value(t, result.Shape, o => To(result.At(o), t))];
    }

    private static IReadOnlyList<TileValue?>? Arg(TileLoweringContext c, bool max)
    {
        var x = c.Input(0);
        if (!ScalarSemantics.IsSupported(x.Type) || x.Rank == 0) return null;
        if (Axis(c.Node.GetInt("axis", 0), x.Rank) is not { } axis || x.Shape[axis] == 0) return null;
        bool last = c.Node.GetInt("select_last_index", 0) != 0;
        var g = AxisGrouping.Of(x.Shape, [axis], c.Node.GetInt("keepdims", 1) != 0);
        var op = max ? (last ? ReduceOp.ArgMaxLast : ReduceOp.ArgMax) : (last ? ReduceOp.ArgMinLast : ReduceOp.ArgMin);
        return [c.Builder.Reduce(op, g.OutShape, g.Extents, (o, r) => x.At(g.InputIndex(o, r)), max ? "argmax" : "argmin")];
    }

    /// <summary>Softmax, LogSoftmax, Hardmax: along <c>axis</c> (opset 13+), or, before, over every axis from
    /// <c>axis</c> on (the input coerced to a matrix). Computed in f64 (Softmax of f32: in f32) with the row maximum
    /// subtracted (a row whose maximum is −∞ subtracts 0).</summary>
    private static IReadOnlyList<TileValue?>? Softmax(TileLoweringContext c, SoftmaxKind kind)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloat(t)) return null;
        var kb = c.Builder;
        AxisGrouping g;
        if (x.Rank == 0) g = new AxisGrouping(x.Shape, [], keepDims: false);
        else
        {
            if (Axis(c.Node.GetInt("axis", c.Opset >= 13 ? -1 : 1), x.Rank) is not { } a) return null;
            g = c.Opset >= 13 ? AxisGrouping.Of(x.Shape, [a]) : AxisGrouping.Trailing(x.Shape, a);
        }

        if (kind == SoftmaxKind.Hardmax)
        {
            // The first position of the row maximum, over the row flattened to one axis.
            var extents = g.Extents;
            var am = kb.Reduce(ReduceOp.ArgMax, g.OutShape, [g.Count],
                (o, r) => x.At(g.InputIndex(o, Unflatten(r[0], extents))), "argmax");
            return [Value(t, x.Shape, idx =>
                Sel(Eq(Flatten(g.ReducedIndex(idx), extents), am.At(g.GroupIndex(idx))), C(1, t), C(0, t)))];
        }

        // Softmax of f32 in f32: every exp is of x − max ≤ 0 and the row sum is ≥ 1, so f32 keeps the relative error
        // at a few ulps (and the lanes vectorise without widening); LogSoftmax's x − max − log(sum) cancels near 0,
        // and other types keep f64.
        var at = kind == SoftmaxKind.Softmax && t == DataType.Float32 ? DataType.Float32 : DataType.Float64;
        Expr X(IReadOnlyList<Expr> idx) => To(x.At(idx), at);
        // Softmax's maximum need not propagate NaN (maxnative: one maxps per vector, not a NaN-propagating max): it
        // only shifts e = exp(x − max), and every output is e · (1 / Σ e) over the same row. A row without NaN gets
        // the exact maximum, ±∞ included, so e is unchanged (a max of −0 for +0 changes x − max only at x = ±0,
        // where exp gives 1 either way); a row of −∞ only gets −∞ and NaN as before. A row with a NaN at j has
        // e_j = exp(NaN − m) = NaN for any m (NaN or not), so Σ e and every output of the row are NaN, as the propagating
        // maximum gives: what maxnative returns there (and NonPositiveExp's exp(min(x − m, 0)) for it) is never
        // observed. LogSoftmax keeps max: its x − max − log Σ would show a −0 maximum as the sign of a zero output.
        var m = ComputeExprs.Reduce(kb, kind == SoftmaxKind.Softmax ? ReduceOp.MaxNative : ReduceOp.Max, g.OutShape, g.Extents,
            (o, r) => x.At(g.InputIndex(o, r)), "max");
        Expr M(IReadOnlyList<Expr> o)
        {
            var mo = To(m.At(o), at);
            return Sel(Un(UnaryOp.IsNegInf, mo), C(0, at), mo);
        }
        if (kind == SoftmaxKind.Softmax)
        {
            // Each exp once: stored, summed per row, then scaled by the sum's reciprocal (not recomputed). No −∞
            // guard on the maximum: a row whose maximum is −∞ holds only −∞ (or NaN), and both x − max (NaN) and
            // the guarded exp(x − 0) / sum (0/0) give NaN. The reciprocal is one division per row instead of one per
            // element; e · (1/s) differs from e / s by at most an ulp more (within the conformance tolerances).
            var e = kb.Materialize(Value(at, x.Shape, idx => Un(UnaryOp.Exp, Sub(X(idx), To(m.At(g.GroupIndex(idx)), at)))), "exp");
            var es = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) => e.At(g.InputIndex(o, r)), "sum");
            var rs = kb.Materialize(Value(at, g.OutShape, o => Div(C(1, at), es.At(o))), "rsum");
            return [Value(t, x.Shape, idx => To(Mul(e.At(idx), rs.At(g.GroupIndex(idx))), t))];
        }
        var s = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents,
            (o, r) => Un(UnaryOp.Exp, Sub(X(g.InputIndex(o, r)), M(o))), "sum");
        return [Value(t, x.Shape, idx =>
        {
            var gi = g.GroupIndex(idx);
            var shifted = Sub(X(idx), M(gi));
            var y = kind == SoftmaxKind.Softmax
                ? Div(Un(UnaryOp.Exp, shifted), s.At(gi))
                : Sub(shifted, Un(UnaryOp.Log, s.At(gi)));
            return To(y, t);
        })];
    }

    /// <summary>CumSum/CumProd as a guarded reduction along the axis: <c>%scan[…, i, …] = sum[k] select(k ≤ i, x[…, k, …], 0)</c>
    /// (k &lt; i when exclusive, k ≥ i or k &gt; i when reversed). Quadratic in the axis length, which the Tile level
    /// leaves to the knobs below it; floats accumulate in f64 and integers exactly, as in the reference.</summary>
    private static IReadOnlyList<TileValue?>? Cumulative(TileLoweringContext c, bool product)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!ScalarSemantics.IsSupported(t) || t == DataType.Bool || x.Rank == 0) return null;
        if (c.ConstantInput(1) is not { Length: 1 } axisTensor) return c.Decline("the axis input is not a compile-time constant");
        if (Axis(TensorConvert.ToInt64s(axisTensor)[0], x.Rank) is not { } axis) return null;
        bool exclusive = c.Node.GetInt("exclusive", 0) != 0, reverse = c.Node.GetInt("reverse", 0) != 0;
        var acc = IsFloat(t) ? DataType.Float64 : t;
        var op = reverse ? (exclusive ? BinaryOp.Gt : BinaryOp.Ge) : (exclusive ? BinaryOp.Lt : BinaryOp.Le);
        var scan = c.Builder.Reduce(product ? ReduceOp.Prod : ReduceOp.Sum, x.Shape, [x.Shape[axis]], (o, r) =>
        {
            var idx = o.ToArray();
            idx[axis] = r[0];
            return Sel(Bin(op, r[0], o[axis]), To(x.At(idx), acc), C(product ? 1 : 0, acc));
        }, product ? "cumprod" : "cumsum", reduceHints: ["j"]);
        return [Value(t, x.Shape, o => To(scan.At(o), t))];
    }

    /// <summary>TopK by counting: each element's place in the sorted order is the number of elements that come before
    /// it (<c>%rank[…, i, …] = sum[j] select(before(j, i), 1, 0)</c>, before = larger — or smaller — with NaN largest,
    /// ties by index), and output position r takes the element whose place is r (<c>argmax[i] eq(rank, r)</c>).
    /// Quadratic in the axis length, like CumSum.</summary>
    private static IReadOnlyList<TileValue?>? TopK(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!ScalarSemantics.IsSupported(t) || t == DataType.Bool || x.Rank == 0) return null;
        long k;
        if (c.Opset >= 10)
        {
            if (c.ConstantInput(1) is not { Length: 1 } kt) return c.Decline("the k input is not a compile-time constant");
            k = TensorConvert.ToInt64s(kt)[0];
        }
        else k = c.Node.GetInt("k", 0);
        if (Axis(c.Node.GetInt("axis", -1), x.Rank) is not { } axis || k < 0 || k > x.Shape[axis]) return null;
        bool largest = c.Opset < 11 || c.Node.GetInt("largest", 1) != 0;
        bool isFloat = IsFloat(t);
        var kb = c.Builder;

        // Whether a sorts strictly before b (NaN counts as the largest value).
        Expr Before(Expr a, Expr b)
        {
            Expr greater = Bin(largest ? BinaryOp.Gt : BinaryOp.Lt, a, b);
            if (!isFloat) return greater;
            var aNaN = Un(UnaryOp.IsNaN, a);
            var bNaN = Un(UnaryOp.IsNaN, b);
            // largest: a is NaN and b is not, or a > b; smallest: b is NaN and a is not, or a < b.
            var nanFirst = largest ? Bin(BinaryOp.And, aNaN, Un(UnaryOp.Not, bNaN)) : Bin(BinaryOp.And, bNaN, Un(UnaryOp.Not, aNaN));
            return Bin(BinaryOp.Or, nanFirst, greater);
        }
        Expr Same(Expr a, Expr b) => isFloat
            ? Bin(BinaryOp.Or, Eq(a, b), Bin(BinaryOp.And, Un(UnaryOp.IsNaN, a), Un(UnaryOp.IsNaN, b)))
            : Eq(a, b);

        var rank = kb.Reduce(ReduceOp.Sum, x.Shape, [x.Shape[axis]], (o, r) =>
        {
            var other = o.ToArray();
            other[axis] = r[0];
            var (xi, xj) = (x.At(o), x.At(other));
            var first = Bin(BinaryOp.Or, Before(xj, xi), Bin(BinaryOp.And, Same(xj, xi), Bin(BinaryOp.Lt, r[0], o[axis])));
            return Sel(first, Ix(1), Ix(0));
        }, "rank", reduceHints: ["j"]);
        var outShape = x.Shape.SetItem(axis, k);
        var picked = kb.Reduce(ReduceOp.ArgMax, outShape, [x.Shape[axis]], (o, r) =>
        {
            var at = o.ToArray();
            at[axis] = r[0];
            return Eq(rank.At(at), o[axis]);
        }, "picked", reduceHints: ["j"]);
        var values = Value(t, outShape, o =>
        {
            var at = o.ToArray();
            at[axis] = picked.At(o);
            return x.At(at);
        });
        return [values, picked];
    }
}
