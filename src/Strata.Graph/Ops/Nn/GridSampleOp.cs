using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>GridSample (opsets 16, 20, 22): samples X [N, C, D1..Dr] at the normalized coordinates of grid
/// [N, O1..Or, r] (last axis in reverse dim order: x is the innermost dim). Modes nearest (round half to even),
/// linear and cubic (Keys, a = −0.75), separable over the r dims; padding zeros, border (clamp) or reflection;
/// align_corners maps −1/1 to the centres (else the outer edges) of the corner pixels. Opset 16 spells the modes
/// bilinear/bicubic.</summary>
internal static class GridSampleOp
{
    public static OpSchema Schema => new("", "GridSample", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        var grid = c.InputTensor(1);
        if (x is null) return null;
        if (x.Shape is null || grid?.Shape is null) return new TensorType(x.ElementType, null);
        return new TensorType(x.ElementType, Shape.Of([x.Shape[0], x.Shape[1], .. grid.Shape.Dims.Skip(1).Take(grid.Shape.Rank - 2)]));
    }

    private enum Padding { Zeros, Border, Reflection }

    private static Tensor Evaluate(OpContext ctx)
    {
        var xt = ctx.Input(0);
        var gt = ctx.Input(1);
        int r = xt.Rank - 2;
        if (r < 1 || gt.Rank != r + 2 || gt.Shape[0] != xt.Shape[0] || gt.Shape[^1] != r)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"GridSample needs X [N, C, D1..Dr] and grid [N, O1..Or, r], got {ShapeMath.Format(xt.Shape)} and {ShapeMath.Format(gt.Shape)}");
        var modeName = ctx.String("mode", ctx.Opset < 20 ? "bilinear" : "linear");
        string mode = modeName switch
        {
            "bilinear" or "linear" => "linear",
            "bicubic" or "cubic" => "cubic",
            "nearest" => "nearest",
            _ => throw ctx.Error(ErrorCode.InvalidAttribute, $"GridSample mode '{modeName}' is not nearest, linear or cubic"),
        };
        var padding = ctx.String("padding_mode", "zeros") switch
        {
            "zeros" => Padding.Zeros,
            "border" => Padding.Border,
            "reflection" => Padding.Reflection,
            var p => throw ctx.Error(ErrorCode.InvalidAttribute, $"GridSample padding_mode '{p}' is not zeros, border or reflection"),
        };
        bool alignCorners = ctx.Int("align_corners", 0) != 0;
        int n = xt.Shape[0], c = xt.Shape[1];
        var dims = xt.Shape[2..];
        var outSpatial = gt.Shape[1..^1];
        int inSize = ShapeMath.Size(dims), outSize = ShapeMath.Size(outSpatial);
        var inStrides = ShapeMath.Strides(dims);
        var x = TensorConvert.ToDoubles(xt);
        var grid = TensorConvert.ToDoubles(gt);
        var y = new double[n * c * outSize];

        int taps = mode == "cubic" ? 4 : mode == "linear" ? 2 : 1;
        var index = new int[r, taps];   // input index per dim and tap, -1 for a zero (outside) tap
        var weight = new double[r, taps];
        var j = new int[r];
        for (int ni = 0; ni < n; ni++)
            for (int o = 0; o < outSize; o++)
            {
                for (int d = 0; d < r; d++)
                {
                    // grid's last axis is in reverse dim order.
                    double g = grid[(ni * outSize + o) * r + (r - 1 - d)];
                    int size = dims[d];
                    double lo = alignCorners ? 0 : -0.5, hi = alignCorners ? size - 1 : size - 0.5;
                    double v = alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
                    if (mode == "nearest") v = Math.Round(v, MidpointRounding.ToEven);
                    if (v < lo || v > hi)
                    {
                        if (padding == Padding.Border) v = Math.Clamp(v, 0, size - 1);
                        else if (padding == Padding.Reflection) v = Reflect(v, lo, hi);
                    }
                    if (mode == "nearest")
                    {
                        index[d, 0] = Fetch((int)v, size, lo, hi, padding);
                        weight[d, 0] = 1;
                        continue;
                    }
                    int i0 = (int)Math.Floor(v);
                    double t = v - i0;
                    if (mode == "linear")
                    {
                        weight[d, 0] = 1 - t;
                        weight[d, 1] = t;
                        index[d, 0] = Fetch(i0, size, lo, hi, padding);
                        index[d, 1] = Fetch(i0 + 1, size, lo, hi, padding);
                    }
                    else
                    {
                        CubicWeights(t, weight, d);
                        for (int k = 0; k < 4; k++) index[d, k] = Fetch(i0 - 1 + k, size, lo, hi, padding);
                    }
                }
                for (int ci = 0; ci < c; ci++)
                {
                    var img = x.AsSpan((ni * c + ci) * inSize, inSize);
                    double sum = 0;
                    Array.Clear(j);
                    while (true)
                    {
                        double w = 1;
                        int flat = 0;
                        bool zero = false;
                        for (int d = 0; d < r; d++)
                        {
                            int idx = index[d, j[d]];
                            if (idx < 0) { zero = true; break; }
                            w *= weight[d, j[d]];
                            flat += idx * inStrides[d];
                        }
                        if (!zero) sum += w * img[flat];
                        int dd = r - 1;
                        while (dd >= 0 && ++j[dd] == taps) j[dd--] = 0;
                        if (dd < 0) break;
                    }
                    y[(ni * c + ci) * outSize + o] = sum;
                }
            }
        return TensorConvert.FromDoubles(xt.DataType, y, [n, c, .. outSpatial]);
    }

    /// <summary>The input index a tap reads, after padding; −1 when it reads zero.</summary>
    private static int Fetch(int i, int size, double lo, double hi, Padding padding) => padding switch
    {
        Padding.Zeros => i >= 0 && i < size ? i : -1,
        Padding.Border => Math.Clamp(i, 0, size - 1),
        _ => Math.Clamp((int)Reflect(i, lo, hi), 0, size - 1),
    };

    /// <summary>Reflects <paramref name="x"/> at the borders until it lies in [lo, hi].</summary>
    private static double Reflect(double x, double lo, double hi)
    {
        double range = hi - lo;
        if (range <= 0) return lo;
        if (x < lo)
        {
            double dx = lo - x;
            int n = (int)(dx / range);
            double rem = dx - n * range;
            return n % 2 == 0 ? lo + rem : hi - rem;
        }
        if (x > hi)
        {
            double dx = x - hi;
            int n = (int)(dx / range);
            double rem = dx - n * range;
            return n % 2 == 0 ? hi - rem : lo + rem;
        }
        return x;
    }

    private static void CubicWeights(double t, double[,] w, int d)
    {
        const double a = -0.75;
        double x = t + 1;
        w[d, 0] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        w[d, 1] = ((a + 2) * t - (a + 3)) * t * t + 1;
        x = 1 - t;
        w[d, 2] = ((a + 2) * x - (a + 3)) * x * x + 1;
        x = 2 - t;
        w[d, 3] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}
