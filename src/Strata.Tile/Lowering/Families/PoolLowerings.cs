using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>MaxPool, AveragePool, LpPool and the global pools: reductions over the window taps, where taps in the
/// padding are guarded by a select (they read as −∞ for max and 0 for sums). AveragePool divides by the number of
/// taps inside the input (or inside input and padding with count_include_pad), an index expression of the output
/// position. Average sums of f32 run in f32, as ONNX Runtime's kernels do (a window or a global pool adds at most a
/// few thousand in-range values; the division by the count is then an f32 division): the f32 sum vectorises with the
/// f32 loads, where an f64 sum has half the lanes and keeps the loop scalar. Other sums (f16/bf16, f64, LpPool's
/// powers) run in f64 as in the reference; max is exact in the element type.</summary>
internal static class PoolLowerings
{
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "MaxPool", Explained(MaxPool));
        registry.AddLowering("", "AveragePool", Explained(c => AverageOrLp(c, lp: false)));
        registry.AddLowering("", "LpPool", Explained(c => AverageOrLp(c, lp: true)));
        registry.AddLowering("", "GlobalAveragePool", Explained(c => Global(c, Kind.Average)));
        registry.AddLowering("", "GlobalMaxPool", Explained(c => Global(c, Kind.Max)));
        registry.AddLowering("", "GlobalLpPool", Explained(c => Global(c, Kind.Lp)));
    }

    private enum Kind { Average, Max, Lp }

    /// <summary>The type a pool sums in: f32 for an f32 average, f64 otherwise (see the class summary).</summary>
    private static DataType SumType(DataType t, bool lp) => t == DataType.Float32 && !lp ? DataType.Float32 : F64T;

    private static bool IsFloatPoolType(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    private static (string[] Out, string[] Reduce) Hints(int rank)
    {
        var names = SpatialNames(rank);
        return (["n", "c", .. names.Select(s => "o" + s)], [.. names.Select(s => "k" + s)]);
    }

    private static SlidingWindow? Window(TileLoweringContext c, TileValue x) =>
        x.Rank < 3 ? null : SlidingWindow.Read(c.Node, x.Shape[2..].ToArray(), null);

    /// <summary>The smallest value of a type (what a padding tap reads as under max).</summary>
    private static Expr Lowest(DataType t) => t switch
    {
        DataType.Int8 => C(sbyte.MinValue, t),
        DataType.UInt8 => C(0, t),
        _ => C(double.NegativeInfinity, t),
    };

    /// <summary>MaxPool; its Indices output is the first window position holding the maximum (an arg-max over the
    /// window flattened to one axis), as a flat index into the input (row-major, or column-major per storage_order).</summary>
    private static IReadOnlyList<TileValue?>? MaxPool(TileLoweringContext c)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (t is not (DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16 or DataType.Int8 or DataType.UInt8)) return null;
        if (Window(c, x) is not { } win) return null;
        if (win.HasEmptyWindow()) return c.Decline("a window lies wholly in the padding (the reference gives 0 there)");
        var (outHints, redHints) = Hints(win.Rank);
        var kb = c.Builder;
        long[] outShape = [x.Shape[0], x.Shape[1], .. win.Output];
        Expr Tap(IReadOnlyList<Expr> o, IReadOnlyList<Expr> taps)
        {
            var (pos, inside) = win.Taps(o.Skip(2).ToArray(), taps);
            return Guard(inside, x.At([o[0], o[1], .. pos]), Lowest(t));
        }
        var y = kb.Reduce(ReduceOp.Max, [.. outShape], win.Kernel, Tap, "max", outHints, redHints);
        if (c.Node.Outputs.Length < 2 || c.Node.Outputs[1] is null) return [y];

        var kernel = win.Kernel;
        var am = kb.Reduce(ReduceOp.ArgMax, [.. outShape], [kernel.Aggregate(1L, (a, b) => a * b)],
            (o, r) => Tap(o, Unflatten(r[0], kernel)), "argmax", outHints, ["k"]);
        bool columnMajor = c.Node.GetInt("storage_order", 0) != 0;
        long channels = x.Shape[1], imageSize = win.Input.Aggregate(1L, (a, b) => a * b);
        var indices = Value(DataType.Int64, outShape, o =>
        {
            var spatial = o.Skip(2).ToArray();
            // When the maximum is the padding value itself, padding taps tie with it: take the first tap inside the input.
            var first = Flatten(Enumerable.Range(0, win.Rank).Select(d => win.FirstTap(d, spatial[d])).ToArray(), kernel);
            var k = Sel(Eq(y.At(o), Lowest(t)), first, am.At(o));
            var taps = Unflatten(k, kernel);
            Expr flat = Ix(0);
            long scale = 1;
            for (int d = 0; d < win.Rank; d++)
            {
                var pos = win.Position(d, spatial[d], taps[d]);
                if (columnMajor)
                {
                    flat = IAdd(flat, IMul(pos, scale));
                    scale *= win.Input[d];
                }
                else flat = IAdd(IMul(flat, win.Input[d]), pos);
            }
            return IAdd(IMul(IAdd(IMul(o[0], channels), o[1]), imageSize), flat);
        });
        return [y, indices];
    }

    /// <summary>LpPool's p: a float attribute in opset 1, an int since.</summary>
    private static double Exponent(TileLoweringContext c) =>
        c.Node.Attr("p") is { Kind: Graph.AttributeKind.Float } a ? a.AsFloat() : c.Node.GetInt("p", 2);

    private static Expr LpTerm(Expr v, double p) =>
        p == 2 ? Mul(v, v) : p == 1 ? Un(UnaryOp.Abs, v) : Bin(BinaryOp.Pow, Un(UnaryOp.Abs, v), C(p, F64T));

    private static Expr LpRoot(Expr s, double p) =>
        p == 2 ? Un(UnaryOp.Sqrt, s) : p == 1 ? s : Bin(BinaryOp.Pow, s, C(1 / p, F64T));

    private static IReadOnlyList<TileValue?>? AverageOrLp(TileLoweringContext c, bool lp)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloatPoolType(t) || Window(c, x) is not { } win) return null;
        if (!lp && c.Opset < 19 && c.Node.Attr("dilations") is not null && win.Dilations.Any(d => d != 1)) return null;
        bool includePad = c.Node.GetInt("count_include_pad", 0) != 0;
        double p = Exponent(c);
        var (outHints, redHints) = Hints(win.Rank);
        var acc = SumType(t, lp);
        var s = c.Builder.Reduce(ReduceOp.Sum, [x.Shape[0], x.Shape[1], .. win.Output], win.Kernel, (o, r) =>
        {
            var (pos, inside) = win.Taps(o.Skip(2).ToArray(), r);
            var v = To(x.At([o[0], o[1], .. pos]), acc);
            return Guard(inside, lp ? LpTerm(v, p) : v, C(0, acc));
        }, lp ? "lpsum" : "sum", outHints, redHints);
        return [Value(t, s.Shape, o =>
        {
            if (lp) return To(LpRoot(s.At(o), p), t);
            // Per dim, the count as constants picked by comparisons (vectorisable), or else as index arithmetic. The
            // product of small integer counts is exact in f32, so either form divides by the same value.
            var pieces = Enumerable.Range(0, win.Rank).Select(d => win.TapCountPieces(d, o[2 + d], includePad, acc)).ToArray();
            Expr? divisor = null;
            if (pieces.All(p => p is not null))
            {
                double k = 1;
                Expr? varying = null;
                foreach (var p in pieces)
                    if (p is Constant cp) k *= cp.Value.F;
                    else varying = varying is null ? p : Mul(varying, p!);
                divisor = varying is null ? C(k, acc) : k == 1 ? varying : Mul(C(k, acc), varying);
            }
            else
            {
                Expr? count = null;
                for (int d = 0; d < win.Rank; d++)
                {
                    var cd = win.TapCountExpr(d, o[2 + d], includePad);
                    count = count is null ? cd : Bin(BinaryOp.Mul, count, cd);
                }
                divisor = count is Constant { ConstantType: DataType.Int64 } k ? C(k.Value.I, acc) : To(count!, acc);
            }
            return To(Div(s.At(o), divisor!), t);
        })];
    }

    private static IReadOnlyList<TileValue?>? Global(TileLoweringContext c, Kind kind)
    {
        var x = c.Input(0);
        var t = x.Type;
        if (!IsFloatPoolType(t) || x.Rank < 2) return null;
        var g = new AxisGrouping(x.Shape, Enumerable.Range(0, x.Rank).Select(d => d >= 2).ToArray(), keepDims: true);
        if (kind == Kind.Max && g.Count == 0) return null;
        var hints = SpatialNames(x.Rank - 2).Select(s => "k" + s).ToArray();
        var kb = c.Builder;
        if (kind == Kind.Max)
            return [ComputeExprs.Reduce(kb, ReduceOp.Max, g.OutShape, g.Extents, (o, r) => x.At(g.InputIndex(o, r)), "max", reduceHints: hints)];
        double p = Exponent(c);
        var acc = SumType(t, kind == Kind.Lp);
        // Two spatial dims (an image) reduce as one axis of H·W: the plane is contiguous, so one vector loop with one
        // lane fold per channel runs over it instead of a masked W-wide vector and a fold per row (7×7, 13×13 planes
        // waste most lanes). The load index [r / W, r mod W] addresses as r at the Machine level.
        if (x.Rank == 4 && g.Count > 1)
        {
            long w = x.Shape[3];
            hints = ["k" + string.Concat(SpatialNames(2))];
            var flat = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, [g.Count], (o, r) =>
            {
                var v = To(x.At([o[0], o[1], IDiv(r[0], w), IMod(r[0], w)]), acc);
                return kind == Kind.Lp ? LpTerm(v, p) : v;
            }, kind == Kind.Lp ? "lpsum" : "sum", reduceHints: hints);
            return [Value(t, flat.Shape, o => To(kind == Kind.Lp ? LpRoot(flat.At(o), p) : Div(flat.At(o), C(g.Count, acc)), t))];
        }
        var s = ComputeExprs.Reduce(kb, ReduceOp.Sum, g.OutShape, g.Extents, (o, r) =>
        {
            var v = To(x.At(g.InputIndex(o, r)), acc);
            return kind == Kind.Lp ? LpTerm(v, p) : v;
        }, kind == Kind.Lp ? "lpsum" : "sum", reduceHints: hints);
        return [Value(t, s.Shape, o => To(kind == Kind.Lp ? LpRoot(s.At(o), p) : Div(s.At(o), C(g.Count, acc)), t))];
    }
}
