using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Resize (opsets 10–19) and Upsample (7, 9). Resizing is separable: each resized axis is interpolated
/// on its own, one after the other. For every output position along an axis we compute the source coordinate
/// (coordinate_transformation_mode), then a small set of taps (neighbouring source indices, clamped to the edge)
/// with weights (nearest / linear / cubic, optionally antialiased and excluding outside taps). Nearest copies
/// elements exactly; linear and cubic compute in double and convert back (rounding to nearest even and
/// saturating for integer types), as the ONNX reference does.</summary>
internal static class ResizeOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Resize", InferResize, Resize));
        registry.AddOp(OpSchema.Unary("Upsample", InferUpsample, Upsample));
    }

    /// <summary>The interpolation settings of one node.</summary>
    private sealed record Settings(string Mode, string CoordinateMode, string NearestMode, double CubicA, bool ExcludeOutside,
        double Extrapolation, bool Antialias);

    /// <summary>Region of interest for tf_crop_and_resize, per axis of the input (normalised coordinates).
    /// <see cref="Single"/>: the roi tensor is float32, so the reference computes its products in float32.</summary>
    private sealed record Roi(double[] Start, double[] End, bool Single);

    private static Settings ReadSettings(OpContext c)
    {
        if (c.Opset < 11)
            return new(Mode(c.String("mode", "nearest")), "asymmetric", "floor", -0.75, false, 0, false);
        return new(Mode(c.String("mode", "nearest")), c.String("coordinate_transformation_mode", "half_pixel"),
            c.String("nearest_mode", "round_prefer_floor"), c.Float("cubic_coeff_a", -0.75f), c.Int("exclude_outside", 0) != 0,
            c.Float("extrapolation_value", 0f), c.Opset >= 18 && c.Int("antialias", 0) != 0);
    }

    private static string Mode(string mode) => mode switch
    {
        "nearest" or "linear" or "cubic" => mode,
        "bilinear" or "trilinear" => "linear",
        _ => throw new StrataException(ErrorCode.InvalidAttribute, $"unknown resize mode '{mode}'", "use nearest, linear or cubic"),
    };

    /// <summary>An optional tensor input; an empty tensor counts as omitted (models pass "" or an empty initializer).</summary>
    private static Tensor? NonEmpty(Tensor? t) => t is { Length: > 0 } ? t : null;

    private static Tensor Resize(OpContext c)
    {
        var x = c.Input(0);
        var settings = ReadSettings(c);
        int rank = x.Rank;
        if (c.Opset < 11)
        {
            var s = TensorConvert.ToDoubles(c.Input(1));
            var all = Enumerable.Range(0, rank).ToArray();
            var (scales10, sizes10) = OutputPlan(x.Shape, s, null, all, "stretch");
            return Run(x, settings, scales10, sizes10, all, null);
        }
        var roiT = NonEmpty(c.OptionalInput(1));
        var scalesT = NonEmpty(c.OptionalInput(2));
        var sizesT = NonEmpty(c.OptionalInput(3));
        var axes = c.Opset >= 18 && c.Ints("axes") is { } a ? TensorArgs.Axes(a, rank) : Enumerable.Range(0, rank).ToArray();
        string policy = c.Opset >= 18 ? c.String("keep_aspect_ratio_policy", "stretch") : "stretch";
        if (scalesT is null == sizesT is null)
            throw c.Error(ErrorCode.MissingInput, "Resize needs exactly one of scales and sizes", "give scales or sizes (the other empty)");
        var (scales, sizes) = OutputPlan(x.Shape, scalesT is null ? null : TensorConvert.ToDoubles(scalesT),
            sizesT is null ? null : TensorArgs.Ints(sizesT), axes, policy);
        Roi? roi = null;
        if (roiT is not null && settings.CoordinateMode == "tf_crop_and_resize")
        {
            var r = TensorConvert.ToDoubles(roiT);
            if (r.Length != 2 * axes.Length)
                throw c.Error(ErrorCode.InvalidShape, $"roi has {r.Length} entries for {axes.Length} axes", "give [starts…, ends…] for the resized axes");
            var start = new double[rank];
            var end = Enumerable.Repeat(1.0, rank).ToArray();
            for (int i = 0; i < axes.Length; i++) { start[axes[i]] = r[i]; end[axes[i]] = r[axes.Length + i]; }
            roi = new Roi(start, end, roiT.DataType == DataType.Float32);
        }
        else if (settings.CoordinateMode == "tf_crop_and_resize")
            throw c.Error(ErrorCode.MissingInput, "tf_crop_and_resize needs the roi input");
        return Run(x, settings, scales, sizes, axes, roi);
    }

    private static Tensor Upsample(OpContext c)
    {
        var x = c.Input(0);
        var s = c.Opset >= 9 ? TensorConvert.ToDoubles(c.Input(1)) : c.Floats("scales")?.Select(f => (double)f).ToArray()
            ?? throw c.Error(ErrorCode.InvalidAttribute, "Upsample needs scales");
        var settings = new Settings(Mode(c.String("mode", "nearest")), "asymmetric", "floor", -0.75, false, 0, false);
        var all = Enumerable.Range(0, x.Rank).ToArray();
        var (scales, sizes) = OutputPlan(x.Shape, s, null, all, "stretch");
        return Run(x, settings, scales, sizes, all, null);
    }

    /// <summary>Per input axis, the scale factor and the output size: from scales (size = floor(scale·dim)), or from
    /// sizes (scale = size / dim; with keep_aspect_ratio_policy not_larger/not_smaller, one scale for all resized
    /// axes and size = round_half_up(scale·dim)). Axes not listed keep scale 1.</summary>
    private static (double[] Scales, int[] Sizes) OutputPlan(int[] shape, double[]? scales, long[]? sizes, int[] axes, string policy)
    {
        int rank = shape.Length;
        var scale = Enumerable.Repeat(1.0, rank).ToArray();
        var size = (int[])shape.Clone();
        if (scales is not null)
        {
            if (scales.Length != axes.Length)
                throw new StrataException(ErrorCode.InvalidShape, $"scales has {scales.Length} entries for {axes.Length} axes", "give one scale per resized axis");
            for (int i = 0; i < axes.Length; i++)
            {
                if (!(scales[i] > 0)) throw new StrataException(ErrorCode.InvalidArgument, $"scale {scales[i]} is not positive", "scales must be > 0");
                scale[axes[i]] = scales[i];
            }
            for (int d = 0; d < rank; d++) size[d] = checked((int)(scale[d] * shape[d]));
            return (scale, size);
        }
        if (sizes!.Length != axes.Length)
            throw new StrataException(ErrorCode.InvalidShape, $"sizes has {sizes.Length} entries for {axes.Length} axes", "give one size per resized axis");
        for (int i = 0; i < axes.Length; i++) size[axes[i]] = TensorArgs.Dims([sizes[i]], "Resize sizes")[0];
        for (int d = 0; d < rank; d++) scale[d] = (double)size[d] / shape[d];
        if (policy != "stretch")
        {
            if (policy is not ("not_larger" or "not_smaller"))
                throw new StrataException(ErrorCode.InvalidAttribute, $"unknown keep_aspect_ratio_policy '{policy}'", "use stretch, not_larger or not_smaller");
            double s = policy == "not_larger" ? axes.Min(a => scale[a]) : axes.Max(a => scale[a]);
            foreach (int a in axes)
            {
                scale[a] = s;
                size[a] = (int)(s * shape[a] + 0.5);
            }
        }
        return (scale, size);
    }

    /// <summary>Resizes <paramref name="x"/> axis by axis, in the order of <paramref name="axes"/>.</summary>
    private static Tensor Run(Tensor x, Settings s, double[] scales, int[] sizes, int[] axes, Roi? roi)
    {
        bool nearest = s.Mode == "nearest";
        var shape = (int[])x.Shape.Clone();
        var tables = shape.Select(TensorCopy.Iota).ToArray();
        double[]? data = nearest ? null : TensorConvert.ToDoubles(x);
        foreach (int a in axes)
        {
            bool roiTrivial = roi is null || roi.Start[a] == 0 && IsClose(roi.End[a], 1);
            if (IsClose(scales[a], 1) && sizes[a] == shape[a] && roiTrivial) continue;
            var taps = Taps(s, shape[a], sizes[a], scales[a], roi is null ? null : (roi.Start[a], roi.End[a], roi.Single));
            if (nearest) tables[a] = taps.Nearest();
            else data = taps.Apply(data!, shape, a, s.Extrapolation);
            shape[a] = sizes[a];
        }
        if (nearest)
            return TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), shape,
                TensorConvert.FromDoubles(x.DataType, [s.Extrapolation], []));
        return FromDoublesRounded(x.DataType, data!, shape);
    }

    private static bool IsClose(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>The taps of one axis: for output position y, <c>Index[y·N + k]</c> (clamped source index) and
    /// <c>Weight[y·N + k]</c>, k &lt; N; <c>Outside[y]</c> marks tf_crop_and_resize positions outside the input.</summary>
    private sealed record AxisTaps(int N, int[] Index, double[] Weight, bool[] Outside)
    {
        public int Count => Outside.Length;

        /// <summary>For nearest mode: the source index each output position copies (-1 = extrapolated).</summary>
        public int[] Nearest()
        {
            var t = new int[Count];
            for (int y = 0; y < t.Length; y++)
            {
                if (Outside[y]) { t[y] = -1; continue; }
                int best = 0;
                for (int k = 1; k < N; k++) if (Weight[y * N + k] > Weight[y * N + best]) best = k;
                t[y] = Index[y * N + best];
            }
            return t;
        }

        /// <summary>Interpolates <paramref name="data"/> (of <paramref name="shape"/>) along <paramref name="axis"/>.</summary>
        public double[] Apply(double[] data, int[] shape, int axis, double extrapolation)
        {
            int inLen = shape[axis];
            int outer = ShapeMath.Size(shape.AsSpan(0, axis)), inner = ShapeMath.Size(shape.AsSpan(axis + 1));
            var r = new double[outer * Count * inner];
            for (int o = 0; o < outer; o++)
                for (int y = 0; y < Count; y++)
                {
                    int dst = (o * Count + y) * inner;
                    if (Outside[y]) { r.AsSpan(dst, inner).Fill(extrapolation); continue; }
                    for (int k = 0; k < N; k++)
                    {
                        double w = Weight[y * N + k];
                        int src = (o * inLen + Index[y * N + k]) * inner;
                        for (int t = 0; t < inner; t++) r[dst + t] += w * data[src + t];
                    }
                }
            return r;
        }
    }

    private static AxisTaps Taps(Settings s, int inLen, int outLen, double scale, (double Start, double End, bool Single)? roi)
    {
        int n = Coefficients(s, 0.5, scale).Length;
        var index = new int[outLen * n];
        var weight = new double[outLen * n];
        var outside = new bool[outLen];
        int pad = (n + 1) / 2;
        for (int y = 0; y < outLen; y++)
        {
            double x = SourceCoordinate(s.CoordinateMode, y, scale, inLen, outLen, roi);
            if (s.CoordinateMode == "tf_crop_and_resize" && (x < 0 || x > inLen - 1)) { outside[y] = true; continue; }
            double xInt = Math.Floor(x);
            double ratio = x == xInt ? 1.0 : x - xInt;
            var coeffs = Coefficients(s, ratio, scale);
            // The n nearest source positions, preferring the lower ones: as the reference finds them on the
            // edge-padded axis.
            double xp = x + pad;
            double p = Math.Floor(xp), frac = xp - p;
            long start = (long)p - pad + (n % 2 == 0
                ? (frac == 0 ? -(n / 2) : -(n / 2) + 1)
                : (frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1));
            if (s.ExcludeOutside)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    long i = start + k;
                    if (i < 0 || i >= inLen) coeffs[k] = 0;
                    sum += coeffs[k];
                }
                if (sum == 0) sum = 1;
                for (int k = 0; k < n; k++) coeffs[k] /= sum;
            }
            for (int k = 0; k < n; k++)
            {
                index[y * n + k] = (int)Math.Clamp(start + k, 0, inLen - 1);
                weight[y * n + k] = coeffs[k];
            }
        }
        return new AxisTaps(n, index, weight, outside);
    }

    /// <summary>The source coordinate of output position <paramref name="y"/> along one axis.</summary>
    private static double SourceCoordinate(string mode, int y, double scale, int inLen, int outLen, (double Start, double End, bool Single)? roi)
    {
        double outWidth = scale * inLen;
        switch (mode)
        {
            case "half_pixel": return (y + 0.5) / scale - 0.5;
            case "asymmetric": return y / scale;
            case "align_corners": return outWidth == 1 ? 0 : y * (double)(inLen - 1) / (outWidth - 1);
            case "pytorch_half_pixel": return outWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
            case "tf_half_pixel_for_nn": return (y + 0.5) / scale;
            case "half_pixel_symmetric":
            {
                double adjustment = outLen / outWidth;
                double center = inLen / 2.0;
                double offset = center * (1 - adjustment);
                return offset + (y + 0.5) / scale - 0.5;
            }
            case "tf_crop_and_resize":
            {
                var (r0, r1, single) = roi ?? (0, 1, false);
                // With a float32 roi the reference forms these two products in float32.
                double width = single ? (float)r1 - (float)r0 : r1 - r0;
                double origin = single ? (float)r0 * (float)(inLen - 1) : r0 * (inLen - 1);
                double x = outWidth == 1
                    ? (single ? (float)width * (float)(inLen - 1) / 2f : width * (inLen - 1) / 2)
                    : y * width * (inLen - 1) / (outWidth - 1);
                return x + origin;
            }
            default:
                throw new StrataException(ErrorCode.InvalidAttribute, $"unknown coordinate_transformation_mode '{mode}'",
                    "use half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric or tf_crop_and_resize");
        }
    }

    /// <summary>The tap weights for a source coordinate whose distance past the lower neighbour is <paramref name="ratio"/>
    /// (in (0, 1]); the number of taps depends only on the mode and, with antialias, on the scale.</summary>
    private static double[] Coefficients(Settings s, double ratio, double scale)
    {
        double a = s.CubicA;
        switch (s.Mode)
        {
            case "nearest":
            {
                bool upper = ratio == 1.0 || s.NearestMode switch
                {
                    "round_prefer_floor" => ratio > 0.5,
                    "round_prefer_ceil" => ratio >= 0.5,
                    "floor" => false,
                    "ceil" => true,
                    _ => throw new StrataException(ErrorCode.InvalidAttribute, $"unknown nearest_mode '{s.NearestMode}'",
                        "use round_prefer_floor, round_prefer_ceil, floor or ceil"),
                };
                return upper ? [0, 1] : [1, 0];
            }
            case "linear" when !s.Antialias:
                return [1 - ratio, ratio];
            case "linear":
            {
                double sc = Math.Min(scale, 1.0);
                int start = (int)(Math.Floor(-1 / sc) + 1);
                int footprint = 2 - 2 * start;
                var c = new double[footprint];
                for (int k = 0; k < footprint; k++) c[k] = Math.Clamp(1 - Math.Abs((start + k - ratio) * sc), 0, 1);
                return Normalized(c);
            }
            case "cubic" when !s.Antialias:
                return
                [
                    ((a * (ratio + 1) - 5 * a) * (ratio + 1) + 8 * a) * (ratio + 1) - 4 * a,
                    ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
                    ((a + 2) * (1 - ratio) - (a + 3)) * (1 - ratio) * (1 - ratio) + 1,
                    ((a * ((1 - ratio) + 1) - 5 * a) * ((1 - ratio) + 1) + 8 * a) * ((1 - ratio) + 1) - 4 * a,
                ];
            default:
            {
                double sc = Math.Min(scale, 1.0);
                int start = (int)(Math.Floor(-2 / sc) + 1), end = 2 - start;
                var c = new double[end - start];
                for (int i = start; i < end; i++)
                {
                    double v = Math.Abs(sc * (i - ratio));
                    c[i - start] = v <= 1 ? (a + 2) * v * v * v - (a + 3) * v * v + 1
                        : v < 2 ? a * v * v * v - 5 * a * v * v + 8 * a * v - 4 * a
                        : 0;
                }
                return Normalized(c);
            }
        }
    }

    private static double[] Normalized(double[] c)
    {
        double sum = 0;
        foreach (double v in c) sum += v;
        for (int i = 0; i < c.Length; i++) c[i] /= sum;
        return c;
    }

    /// <summary>Converts interpolated doubles back to the element type; integers round half to even and saturate.</summary>
    private static Tensor FromDoublesRounded(DataType type, double[] values, int[] shape) =>
        type.IsInteger() && type.IsNativeNumeric()
            ? NumericDispatch.Invoke<RoundFunc, Tensor>(type, new RoundFunc(values, shape))
            : TensorConvert.FromDoubles(type, values, shape);

    private readonly struct RoundFunc(double[] values, int[] shape) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            var r = new T[values.Length];
            for (int i = 0; i < r.Length; i++) r[i] = T.CreateSaturating(Math.Round(values[i], MidpointRounding.ToEven));
            return new Tensor<T>(r, shape);
        }

        public Tensor InvokeOther() => throw new InvalidOperationException("integer types are native numeric");
    }

    private static TensorType? InferResize(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var shape = c.InputShape(0);
        int? rank = TensorArgs.StaticShape(c, 0)?.Rank;
        if (shape is null) return TensorArgs.UnknownDims(et, rank);
        var all = Enumerable.Range(0, shape.Length).ToArray();
        if (c.Opset < 11)
            return c.ConstantInput(1) is { } s10 ? Infer.Tensor(et, OutputPlan(shape, TensorConvert.ToDoubles(s10), null, all, "stretch").Sizes)
                : TensorArgs.UnknownDims(et, rank);
        var scales = NonEmpty(c.ConstantInput(2));
        var sizes = NonEmpty(c.ConstantInput(3));
        var axes = c.Opset >= 18 && c.Node.GetInts("axes") is { } a ? TensorArgs.Axes(a, shape.Length) : all;
        string policy = c.Opset >= 18 ? c.Node.GetString("keep_aspect_ratio_policy", "stretch") : "stretch";
        if (sizes is not null) return Infer.Tensor(et, OutputPlan(shape, null, TensorArgs.Ints(sizes), axes, policy).Sizes);
        if (scales is not null) return Infer.Tensor(et, OutputPlan(shape, TensorConvert.ToDoubles(scales), null, axes, policy).Sizes);
        return TensorArgs.UnknownDims(et, rank);
    }

    private static TensorType? InferUpsample(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var shape = c.InputShape(0);
        double[]? scales = c.Opset >= 9 ? (c.ConstantInput(1) is { } t ? TensorConvert.ToDoubles(t) : null)
            : c.Node.GetFloats("scales")?.Select(f => (double)f).ToArray();
        if (shape is null || scales is null) return TensorArgs.UnknownDims(et, TensorArgs.StaticShape(c, 0)?.Rank);
        return Infer.Tensor(et, OutputPlan(shape, scales, null, Enumerable.Range(0, shape.Length).ToArray(), "stretch").Sizes);
    }
}
