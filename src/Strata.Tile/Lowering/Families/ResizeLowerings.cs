using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Resize (opsets 10–19) and Upsample (7, 9) with compile-time scales or sizes, modes nearest and linear
/// (not antialiased), every coordinate_transformation_mode but tf_crop_and_resize. As in the reference
/// (Strata.Graph/Ops/Tensor/ResizeOps.cs) each resized axis maps output position y to a source coordinate x in
/// double — written here as the same double operations on <c>y</c> — then nearest rounds x per nearest_mode and
/// clamps, and linear blends the two clamped neighbours <c>floor(x)</c> and <c>floor(x) + 1</c> with weights
/// <c>1 − r</c> and <c>r</c> (r = x − floor(x)), axis after axis, in double, converting back at the end
/// (integers round half to even). Cubic, antialias and tf_crop_and_resize fall back.</summary>
internal static class ResizeLowerings
{
    private const DataType F64 = DataType.Float64;

    private sealed record Settings(string Mode, string CoordinateMode, string NearestMode);

    public static void Register(ExtensionRegistry registry)
    {
        ViewLowerings.Add(registry, "Resize", Resize);
        ViewLowerings.Add(registry, "Upsample", Upsample);
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
            if (Lowering.ConstDoubles(c, 1) is not { } s10) return null;
            return Plan(x.Shape, s10, null, all, "stretch") is var (sc, sz) ? Run(x, new(mode, "asymmetric", "floor"), sc, sz) : null;
        }
        if (c.Opset >= 18 && n.GetInt("antialias", 0) != 0) return null;
        var settings = new Settings(mode, n.GetString("coordinate_transformation_mode", "half_pixel"), n.GetString("nearest_mode", "round_prefer_floor"));
        if (settings.CoordinateMode == "tf_crop_and_resize") return null;
        bool hasScales = NonEmpty(c, 2), hasSizes = NonEmpty(c, 3);
        double[]? scales = hasScales ? Lowering.ConstDoubles(c, 2) : null;
        long[]? sizes = hasSizes ? Lowering.ConstInts(c, 3) : null;
        if (hasScales == hasSizes || hasScales && scales is null || hasSizes && sizes is null) return null;
        var axes = c.Opset >= 18 && n.GetInts("axes") is { } a ? Lowering.Axes(a, x.Rank) : all;
        if (axes is null) return null;
        string policy = c.Opset >= 18 ? n.GetString("keep_aspect_ratio_policy", "stretch") : "stretch";
        return Plan(x.Shape, scales, sizes, axes, policy) is var (s, z) ? Run(x, settings, s, z) : null;
    }

    private static TileValue? Upsample(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        if (Mode(c.Node.GetString("mode", "nearest")) is not { } mode) return null;
        double[]? s = c.Opset >= 9 ? Lowering.ConstDoubles(c, 1) : c.Node.GetFloats("scales")?.Select(f => (double)f).ToArray();
        if (s is null) return null;
        var all = Enumerable.Range(0, x.Rank).ToArray();
        return Plan(x.Shape, s, null, all, "stretch") is var (sc, sz) ? Run(x, new(mode, "asymmetric", "floor"), sc, sz) : null;
    }

    private static string? Mode(string mode) => mode switch
    {
        "nearest" or "linear" => mode,
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

    private static TileValue? Run(TileValue x, Settings s, double[] scales, long[] sizes)
    {
        int rank = x.Rank;
        var resized = Enumerable.Range(0, rank)
            .Where(a => !(IsClose(scales[a], 1) && sizes[a] == x.Shape[a]) && x.Shape[a] > 0).ToArray();
        if (s.Mode == "nearest" && s.NearestMode is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil")) return null;
        if (resized.Any(a => Coordinate(s.CoordinateMode, Expr.Index(0), scales[a], x.Shape[a], sizes[a]) is null)) return null;
        var shape = sizes.ToImmutableArray();
        if (s.Mode == "nearest")
            return Define(x.Type, shape, (idx, simplify) =>
            {
                var src = idx.ToArray();
                foreach (int a in resized)
                {
                    var coord = Coordinate(s.CoordinateMode, idx[a], scales[a], x.Shape[a], sizes[a])!;
                    var rounded = s.NearestMode switch
                    {
                        "round_prefer_floor" => new Unary(UnaryOp.Ceil, Sub(coord, Const(0.5, F64))),
                        "round_prefer_ceil" => new Unary(UnaryOp.Floor, Add(coord, Const(0.5, F64))),
                        "floor" => new Unary(UnaryOp.Floor, coord),
                        _ => new Unary(UnaryOp.Ceil, coord),
                    };
                    src[a] = simplify(Clamp(CastTo(rounded, DataType.Int64), x.Shape[a]));
                }
                return x.At(src);
            });

        // Linear: blend along each resized axis in turn (the last one outermost), in double.
        return new TileValue(x.Type, shape, idx =>
        {
            var facts = IndexSimplifier.Facts(idx, shape);
            Expr Blend(int k, Expr[] src)
            {
                if (k < 0) return CastTo(x.At(src.Select(e => IndexSimplifier.Simplify(e, facts)).ToArray()), F64);
                int a = resized[k];
                var coord = Coordinate(s.CoordinateMode, idx[a], scales[a], x.Shape[a], sizes[a])!;
                var floor = new Unary(UnaryOp.Floor, coord);
                var ratio = Sub(coord, floor);
                var lower = CastTo(floor, DataType.Int64);
                var low = (Expr[])src.Clone();
                var high = (Expr[])src.Clone();
                low[a] = Clamp(lower, x.Shape[a]);
                high[a] = Clamp(new Binary(BinaryOp.Add, lower, Expr.Index(1)), x.Shape[a]);
                return Add(Mul(Sub(Const(1, F64), ratio), Blend(k - 1, low)), Mul(ratio, Blend(k - 1, high)));
            }
            var v = Blend(resized.Length - 1, idx.ToArray());
            return x.Type.IsInteger() ? CastTo(new Unary(UnaryOp.Round, v), x.Type) : CastTo(v, x.Type);
        });
    }

    /// <summary>The source coordinate of output position <paramref name="y"/> (an i64 expression), as double
    /// operations in the reference's order; null for modes not lowered.</summary>
    private static Expr? Coordinate(string mode, Expr y, double scale, long inLen, long outLen)
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
            default: return null;
        }
    }

    private static Expr Clamp(Expr i, long n) => new Binary(BinaryOp.Min, new Binary(BinaryOp.Max, i, Expr.Index(0)), Expr.Index(n - 1));

    private static bool IsClose(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));

    private static Expr Add(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    private static Expr Sub(Expr a, Expr b) => new Binary(BinaryOp.Sub, a, b);
    private static Expr Mul(Expr a, Expr b) => new Binary(BinaryOp.Mul, a, b);
    private static Expr Div(Expr a, Expr b) => new Binary(BinaryOp.Div, a, b);
}
