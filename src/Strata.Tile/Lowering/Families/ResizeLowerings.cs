using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Resize (opsets 10–19) and Upsample (7, 9) with compile-time scales or sizes (and roi), every mode,
/// coordinate_transformation_mode and option of the reference (Strata.Graph/Ops/Tensor/ResizeOps.cs). Each resized
/// axis maps output position y to a source coordinate x with the same double operations as the reference (written
/// as expressions of y); nearest rounds x per nearest_mode and clamps. Linear without antialias or exclude_outside
/// blends the clamped neighbours floor(x) and floor(x) + 1 with weights 1 − r and r inline. The other
/// interpolations (cubic, antialias, exclude_outside) use per-axis tables the kernel computes first: the clamped
/// tap indices [out, n] and the tap weights [out, n] (normalised by sums over the taps, as the reference does).
/// Axes are blended in the reference's order, in double; tf_crop_and_resize positions outside the roi read the
/// extrapolation value. Integer results round half to even and saturate.</summary>
internal static class ResizeLowerings
{
    private const DataType F64 = DataType.Float64;
    private const DataType I64 = DataType.Int64;

    private sealed record Settings(string Mode, string CoordinateMode, string NearestMode, double CubicA = -0.75,
        bool ExcludeOutside = false, double Extrapolation = 0, bool Antialias = false);

    /// <summary>The region of interest of tf_crop_and_resize per input axis; <see cref="Single"/>: the roi is
    /// float32, so the reference forms its products in float32.</summary>
    private sealed record Roi(double[] Start, double[] End, bool Single);

    public static void Register(ExtensionRegistry registry)
    {
        ViewLowerings.Add(registry, "Resize", Resize, 2, 3);
        ViewLowerings.Add(registry, "Upsample", Upsample, 1);
    }

    private static TileValue? Resize(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        var n = c.Node;
        if (Mode(n.GetString("mode", "nearest")) is not { } mode) return null;
        var all = Enumerable.Range(0, x.Rank).ToArray();
        if (c.Opset < 11)
        {
            if (Lowering.ConstDoubles(c, 1) is not { } s10) return Lowering.Decline(c, "scales are not known at compile time");
            return Plan(x.Shape, s10, null, all, "stretch") is var (sc, sz) ? Run(c, x, new(mode, "asymmetric", "floor"), sc, sz, all, null) : null;
        }
        var settings = new Settings(mode, n.GetString("coordinate_transformation_mode", "half_pixel"), n.GetString("nearest_mode", "round_prefer_floor"),
            n.GetFloat("cubic_coeff_a", -0.75f), n.GetInt("exclude_outside", 0) != 0, n.GetFloat("extrapolation_value", 0f),
            c.Opset >= 18 && n.GetInt("antialias", 0) != 0);
        bool hasScales = NonEmpty(c, 2), hasSizes = NonEmpty(c, 3);
        double[]? scales = hasScales ? Lowering.ConstDoubles(c, 2) : null;
        long[]? sizes = hasSizes ? Lowering.ConstInts(c, 3) : null;
        if (hasScales == hasSizes || hasScales && scales is null || hasSizes && sizes is null) return null;
        var axes = c.Opset >= 18 && n.GetInts("axes") is { } a ? Lowering.Axes(a, x.Rank) : all;
        if (axes is null) return null;
        string policy = c.Opset >= 18 ? n.GetString("keep_aspect_ratio_policy", "stretch") : "stretch";
        Roi? roi = null;
        if (settings.CoordinateMode == "tf_crop_and_resize")
        {
            if (!NonEmpty(c, 1) || Lowering.ConstDoubles(c, 1) is not { } r || r.Length != 2 * axes.Length)
                return Lowering.Decline(c, "tf_crop_and_resize needs a roi known at compile time");
            var start = new double[x.Rank];
            var end = Enumerable.Repeat(1.0, x.Rank).ToArray();
            for (int i = 0; i < axes.Length; i++) { start[axes[i]] = r[i]; end[axes[i]] = r[axes.Length + i]; }
            roi = new Roi(start, end, c.ConstantInput(1)!.DataType == DataType.Float32);
        }
        return Plan(x.Shape, scales, sizes, axes, policy) is var (s, z) ? Run(c, x, settings, s, z, axes, roi) : null;
    }

    private static TileValue? Upsample(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        if (Mode(c.Node.GetString("mode", "nearest")) is not { } mode) return null;
        double[]? s = c.Opset >= 9 ? Lowering.ConstDoubles(c, 1) : c.Node.GetFloats("scales")?.Select(f => (double)f).ToArray();
        if (s is null) return null;
        var all = Enumerable.Range(0, x.Rank).ToArray();
        return Plan(x.Shape, s, null, all, "stretch") is var (sc, sz) ? Run(c, x, new(mode, "asymmetric", "floor"), sc, sz, all, null) : null;
    }

    private static string? Mode(string mode) => mode switch
    {
        "nearest" or "linear" or "cubic" => mode,
        "bilinear" or "trilinear" => "linear",
        _ => null,
    };

    /// <summary>An optional input that is given and not empty (models pass "" or an empty tensor for "omitted").</summary>
    private static bool NonEmpty(TileLoweringContext c, int i) =>
        Lowering.Has(c, i) && (c.ConstantInput(i) is not { Length: 0 }) && !(c.HasInput(i) && c.Input(i).Shape.Aggregate(1L, (p, d) => p * d) == 0);

    /// <summary>Per axis, the scale and output size (the reference's OutputPlan).</summary>
    private static (double[] Scales, long[] Sizes)? Plan(ImmutableArray<long> shape, double[]? scales, long[]? sizes, int[] axes, string policy)
    {
        int rank = shape.Length;
        var scale = Enumerable.Repeat(1.0, rank).ToArray();
        var size = shape.ToArray();
        if (scales is not null)
        {
            if (scales.Length != axes.Length || scales.Any(v => !(v > 0))) return null;
            for (int i = 0; i < axes.Length; i++) scale[axes[i]] = scales[i];
            for (int d = 0; d < rank; d++) size[d] = (long)(scale[d] * shape[d]);
            return (scale, size);
        }
        if (sizes!.Length != axes.Length || sizes.Any(v => v < 0)) return null;
        for (int i = 0; i < axes.Length; i++) size[axes[i]] = sizes[i];
        for (int d = 0; d < rank; d++) scale[d] = (double)size[d] / shape[d];
        if (policy != "stretch")
        {
            if (policy is not ("not_larger" or "not_smaller")) return null;
            double s = policy == "not_larger" ? axes.Min(a => scale[a]) : axes.Max(a => scale[a]);
            foreach (int a in axes)
            {
                scale[a] = s;
                size[a] = (long)(s * shape[a] + 0.5);
            }
        }
        return (scale, size);
    }

    private static TileValue? Run(TileLoweringContext c, TileValue x, Settings s, double[] scales, long[] sizes, int[] axes, Roi? roi)
    {
        if (s.Mode == "nearest" && s.NearestMode is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            return Lowering.Decline(c, $"unknown nearest_mode '{s.NearestMode}'");
        // The axes that change, in the order the reference resizes them.
        var resized = axes.Where(a => !(IsClose(scales[a], 1) && sizes[a] == x.Shape[a]
            && (roi is null || roi.Start[a] == 0 && IsClose(roi.End[a], 1)))).ToArray();
        if (resized.Any(a => x.Shape[a] == 0 && sizes[a] > 0)) return null; // the reference cannot clamp into an empty axis
        if (sizes.Any(d => d == 0)) resized = [];
        if (resized.Any(a => Coordinate(s.CoordinateMode, Expr.Index(0), scales[a], x.Shape[a], sizes[a], RoiOf(roi, a)) is null)) return null;
        var shape = sizes.ToImmutableArray();
        Expr Coord(int a, Expr y) => Coordinate(s.CoordinateMode, y, scales[a], x.Shape[a], sizes[a], RoiOf(roi, a))!;
        // tf_crop_and_resize: the output positions whose coordinate falls outside the input.
        Expr? Outside(int a, Expr y) => roi is null ? null
            : new Binary(BinaryOp.Or, new Binary(BinaryOp.Lt, Coord(a, y), Const(0, F64)), new Binary(BinaryOp.Gt, Coord(a, y), Const(x.Shape[a] - 1, F64)));

        if (s.Mode == "nearest")
            return Define(x.Type, shape, (idx, simplify) =>
            {
                var src = idx.ToArray();
                Expr? outside = null;
                foreach (int a in resized)
                {
                    Expr Nearest(Expr y)
                    {
                        var coord = Coord(a, y);
                        var rounded = s.NearestMode switch
                        {
                            "round_prefer_floor" => new Unary(UnaryOp.Ceil, Sub(coord, Const(0.5, F64))),
                            "round_prefer_ceil" => new Unary(UnaryOp.Floor, Add(coord, Const(0.5, F64))),
                            "floor" => new Unary(UnaryOp.Floor, coord),
                            _ => new Unary(UnaryOp.Ceil, coord),
                        };
                        return Clamp(CastTo(rounded, I64), x.Shape[a]);
                    }
                    // An integer factor (or any ratio whose source index is affine in y): integer index arithmetic.
                    src[a] = AffineIndexFit.Fit(Nearest(Expr.Var(FitVariable)), FitVariable, sizes[a], idx[a]) ?? simplify(Nearest(idx[a]));
                    if (Outside(a, idx[a]) is { } o) outside = outside is null ? o : new Binary(BinaryOp.Or, outside, o);
                }
                return outside is null ? x.At(src) : new Select(outside, Const(s.Extrapolation, x.Type), x.At(src));
            });

        // Per resized axis, how output position y reads tap k: (source index, weight).
        var taps = new Func<Expr, int, (Expr Index, Expr Weight)>[x.Rank];
        var count = new int[x.Rank];
        foreach (int a in resized)
        {
            if (s.Mode == "linear" && !s.Antialias && !s.ExcludeOutside)
            {
                int axis = a;
                count[a] = 2;
                taps[a] = (y, k) =>
                {
                    var coord = Coord(axis, y);
                    var floor = new Unary(UnaryOp.Floor, coord);
                    var ratio = Sub(coord, floor);
                    var lower = CastTo(floor, I64);
                    var index = Clamp(k == 0 ? lower : new Binary(BinaryOp.Add, lower, Expr.Index(1)), x.Shape[axis]);
                    return (index, k == 0 ? Sub(Const(1, F64), ratio) : ratio);
                };
            }
            else
            {
                var (index, weight) = Tables(c.Builder, s, Coord, a, scales[a], x.Shape[a], sizes[a]);
                count[a] = (int)index.Shape[1];
                taps[a] = (y, k) => (index.At(y, Expr.Index(k)), weight.At(y, Expr.Index(k)));
            }
        }

        return new TileValue(x.Type, shape, idx =>
        {
            var facts = IndexSimplifier.Facts(idx, shape);
            // The last resized axis outermost: sum_k w[y, k] · (the value blended over the earlier axes at tap k).
            Expr Blend(int level, Expr[] src)
            {
                if (level < 0) return CastTo(x.At(src.Select(e => IndexSimplifier.Simplify(e, facts)).ToArray()), F64);
                int a = resized[level];
                Expr? sum = null;
                for (int k = 0; k < count[a]; k++)
                {
                    var (index, weight) = taps[a](idx[a], k);
                    var at = (Expr[])src.Clone();
                    at[a] = index;
                    var term = Mul(weight, Blend(level - 1, at));
                    sum = sum is null ? term : Add(sum, term);
                }
                return Outside(a, idx[a]) is { } o ? new Select(o, Const(s.Extrapolation, F64), sum!) : sum!;
            }
            var v = Blend(resized.Length - 1, idx.ToArray());
            return x.Type.IsInteger() ? CastTo(new Unary(UnaryOp.Round, v), x.Type) : CastTo(v, x.Type);
        });
    }

    /// <summary>Tap tables of one axis, computed by the kernel: the clamped source indices <c>[out, n]</c> (i64) and the
    /// weights <c>[out, n]</c> (f64) of the reference's taps — the n nearest source positions (preferring the lower
    /// ones), their coefficients for the fractional position, normalised over the taps for antialias, then with
    /// outside taps zeroed and renormalised for exclude_outside.</summary>
    private static (TileValue Index, TileValue Weight) Tables(KernelBuilder builder, Settings s, Func<int, Expr, Expr> coord,
        int axis, double scale, long inLen, long outLen)
    {
        int n = Coefficients(s, Const(0.5, F64), scale).Length, pad = (n + 1) / 2;
        Expr StartOf(Expr y)
        {
            // As the reference finds them on the edge-padded axis: floor(x + pad) - pad, then a shift by the fraction.
            var xp = Add(coord(axis, y), Const(pad, F64));
            var p = new Unary(UnaryOp.Floor, xp);
            var frac = Sub(xp, p);
            Expr shift = n % 2 == 0
                ? new Select(new Binary(BinaryOp.Eq, frac, Const(0, F64)), Expr.Index(-(n / 2)), Expr.Index(-(n / 2) + 1))
                : new Select(new Binary(BinaryOp.Le, frac, Const(0.5, F64)), Expr.Index(-((n - 1) / 2)), Expr.Index(-((n - 1) / 2) + 1));
            return new Binary(BinaryOp.Add, new Binary(BinaryOp.Sub, CastTo(p, I64), Expr.Index(pad)), shift);
        }
        Expr RatioOf(Expr y)
        {
            var x = coord(axis, y);
            var floor = new Unary(UnaryOp.Floor, x);
            return new Select(new Binary(BinaryOp.Eq, x, floor), Const(1, F64), Sub(x, floor));
        }
        Expr Pick(Expr k, Func<int, Expr> item)
        {
            Expr e = item(n - 1);
            for (int j = n - 2; j >= 0; j--) e = new Select(new Binary(BinaryOp.Eq, k, Expr.Index(j)), item(j), e);
            return e;
        }
        // Per output position: the first tap and the fractional position (computed once, read by the tables below).
        var start = builder.Materialize(new TileValue(I64, [outLen], i => StartOf(i[0])), "tap_start");
        var ratio = builder.Materialize(new TileValue(F64, [outLen], i => RatioOf(i[0])), "ratio");
        Expr Start(Expr y) => start.At(y);
        Expr Ratio(Expr y) => ratio.At(y);
        ImmutableArray<long> table = [outLen, n];
        var index = builder.Materialize(new TileValue(I64, table, i => Clamp(new Binary(BinaryOp.Add, Start(i[0]), i[1]), inLen)), "taps");
        TileValue weight = builder.Materialize(new TileValue(F64, table, i => Pick(i[1], j => Coefficients(s, Ratio(i[0]), scale)[j])), "coefficients");
        if (s.Antialias)
        {
            var raw = weight;
            var sum = builder.Reduce(ReduceOp.Sum, [outLen], [n], (o, r) => raw.At(o[0], r[0]), "coefficient_sums");
            weight = new TileValue(F64, table, i => Div(raw.At(i), sum.At(i[0])));
        }
        if (s.ExcludeOutside)
        {
            var w = weight;
            Expr Kept(IReadOnlyList<Expr> i)
            {
                var at = new Binary(BinaryOp.Add, Start(i[0]), i[1]);
                var inside = new Binary(BinaryOp.And, new Binary(BinaryOp.Ge, at, Expr.Index(0)), new Binary(BinaryOp.Lt, at, Expr.Index(inLen)));
                return new Select(inside, w.At(i), Const(0, F64));
            }
            var sum = builder.Reduce(ReduceOp.Sum, [outLen], [n], (o, r) => Kept([o[0], r[0]]), "kept_sums");
            weight = new TileValue(F64, table, i => Div(Kept(i),
                new Select(new Binary(BinaryOp.Eq, sum.At(i[0]), Const(0, F64)), Const(1, F64), sum.At(i[0]))));
        }
        return (index, s.Antialias || s.ExcludeOutside ? builder.Materialize(weight, "weights") : weight);
    }

    /// <summary>The tap coefficients for a fractional position <paramref name="ratio"/> in (0, 1], as the reference
    /// computes them (same operations, same order); antialiased ones are normalised later over the taps.</summary>
    private static Expr[] Coefficients(Settings s, Expr ratio, double scale)
    {
        double a = s.CubicA;
        Expr C(double v) => Const(v, F64);
        switch (s.Mode)
        {
            case "linear" when !s.Antialias:
                return [Sub(C(1), ratio), ratio];
            case "linear":
            {
                double sc = Math.Min(scale, 1.0);
                int start = (int)(Math.Floor(-1 / sc) + 1);
                int footprint = 2 - 2 * start;
                return Enumerable.Range(0, footprint).Select(k =>
                {
                    var v = Sub(C(1), new Unary(UnaryOp.Abs, Mul(Sub(C(start + k), ratio), C(sc))));
                    return (Expr)new Binary(BinaryOp.Min, new Binary(BinaryOp.Max, v, C(0)), C(1));
                }).ToArray();
            }
            case "cubic" when !s.Antialias:
            {
                Expr r1 = Add(ratio, C(1)), q = Sub(C(1), ratio), q1 = Add(q, C(1));
                return
                [
                    Sub(Mul(Add(Mul(Sub(Mul(C(a), r1), C(5 * a)), r1), C(8 * a)), r1), C(4 * a)),
                    Add(Mul(Mul(Sub(Mul(C(a + 2), ratio), C(a + 3)), ratio), ratio), C(1)),
                    Add(Mul(Mul(Sub(Mul(C(a + 2), q), C(a + 3)), q), q), C(1)),
                    Sub(Mul(Add(Mul(Sub(Mul(C(a), q1), C(5 * a)), q1), C(8 * a)), q1), C(4 * a)),
                ];
            }
            default:
            {
                double sc = Math.Min(scale, 1.0);
                int start = (int)(Math.Floor(-2 / sc) + 1), end = 2 - start;
                return Enumerable.Range(start, end - start).Select(i =>
                {
                    var v = new Unary(UnaryOp.Abs, Mul(C(sc), Sub(C(i), ratio)));
                    var near = Add(Sub(Mul(Mul(Mul(C(a + 2), v), v), v), Mul(Mul(C(a + 3), v), v)), C(1));
                    var far = Sub(Add(Sub(Mul(Mul(Mul(C(a), v), v), v), Mul(Mul(C(5 * a), v), v)), Mul(C(8 * a), v)), C(4 * a));
                    return (Expr)new Select(new Binary(BinaryOp.Le, v, C(1)), near,
                        new Select(new Binary(BinaryOp.Lt, v, C(2)), far, C(0)));
                }).ToArray();
            }
        }
    }

    private static (double Start, double End, bool Single)? RoiOf(Roi? roi, int axis) =>
        roi is null ? null : (roi.Start[axis], roi.End[axis], roi.Single);

    /// <summary>The source coordinate of output position <paramref name="y"/> (an i64 expression), as double
    /// operations in the reference's order; null for modes not lowered.</summary>
    private static Expr? Coordinate(string mode, Expr y, double scale, long inLen, long outLen, (double Start, double End, bool Single)? roi)
    {
        double outWidth = scale * inLen;
        var yd = CastTo(y, F64);
        Expr HalfPixel() => Sub(Div(Add(yd, Const(0.5, F64)), Const(scale, F64)), Const(0.5, F64));
        switch (mode)
        {
            case "half_pixel": return HalfPixel();
            case "asymmetric": return Div(yd, Const(scale, F64));
            case "align_corners":
                return outWidth == 1 ? Const(0, F64) : Div(Mul(yd, Const(inLen - 1, F64)), Const(outWidth - 1, F64));
            case "pytorch_half_pixel": return outWidth == 1 ? Const(-0.5, F64) : HalfPixel();
            case "tf_half_pixel_for_nn": return Div(Add(yd, Const(0.5, F64)), Const(scale, F64));
            case "half_pixel_symmetric":
            {
                double adjustment = outLen / outWidth, center = inLen / 2.0, offset = center * (1 - adjustment);
                return Sub(Add(Const(offset, F64), Div(Add(yd, Const(0.5, F64)), Const(scale, F64))), Const(0.5, F64));
            }
            case "tf_crop_and_resize":
            {
                // The roi terms are constants, formed as the reference forms them (in float32 for a float32 roi).
                var (r0, r1, single) = roi ?? (0, 1, false);
                double width = single ? (float)r1 - (float)r0 : r1 - r0;
                double origin = single ? (float)r0 * (float)(inLen - 1) : r0 * (inLen - 1);
                if (outWidth == 1)
                    return Const((single ? (float)width * (float)(inLen - 1) / 2f : width * (inLen - 1) / 2) + origin, F64);
                return Add(Div(Mul(Mul(yd, Const(width, F64)), Const(inLen - 1, F64)), Const(outWidth - 1, F64)), Const(origin, F64));
            }
            default: return null;
        }
    }

    /// <summary>The output position in the nearest index that <see cref="AffineIndexFit"/> evaluates (no axis name: those
    /// are identifiers).</summary>
    private const string FitVariable = "%y";

    private static Expr Clamp(Expr i, long n) => new Binary(BinaryOp.Min, new Binary(BinaryOp.Max, i, Expr.Index(0)), Expr.Index(n - 1));

    private static bool IsClose(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));

    private static Expr Add(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    private static Expr Sub(Expr a, Expr b) => new Binary(BinaryOp.Sub, a, b);
    private static Expr Mul(Expr a, Expr b) => new Binary(BinaryOp.Mul, a, b);
    private static Expr Div(Expr a, Expr b) => new Binary(BinaryOp.Div, a, b);
}
