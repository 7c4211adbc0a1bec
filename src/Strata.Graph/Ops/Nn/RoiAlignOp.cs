using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RoiAlign (opsets 10, 16, 22): for each region of interest (x1, y1, x2, y2 in input coordinates times
/// spatial_scale) on image batch_indices[r], an output_height × output_width map per channel; each bin averages
/// (mode avg) or takes the max of (mode max) bilinear samples on a sampling_ratio² grid (adaptive when 0).
/// coordinate_transformation_mode half_pixel (default since 16) shifts by −0.5; output_half_pixel (opset 10
/// behaviour) does not and forces regions to at least 1×1.</summary>
internal static class RoiAlignOp
{
    public static OpSchema Schema => new("", "RoiAlign", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        var rois = c.InputTensor(1)?.Shape;
        long oh = c.Node.GetInt("output_height", 1), ow = c.Node.GetInt("output_width", 1);
        var n = rois is { Rank: 2 } ? rois[0] : Dim.Unknown;
        var ch = x.Shape is { Rank: 4 } xs ? xs[1] : Dim.Unknown;
        return new TensorType(x.ElementType, Shape.Of(new[] { n, ch, Dim.Of(oh), Dim.Of(ow) }));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var xt = ctx.Input(0);
        var roisT = ctx.Input(1);
        var batchIdx = TensorConvert.ToInt64s(ctx.Input(2));
        if (xt.Rank != 4 || roisT.Rank != 2 || roisT.Shape[1] != 4 || batchIdx.Length != roisT.Shape[0])
            throw ctx.Error(ErrorCode.ShapeMismatch, "RoiAlign needs X [N, C, H, W], rois [R, 4] and batch_indices [R]");
        var mode = ctx.String("mode", "avg");
        if (mode is not ("avg" or "max")) throw ctx.Error(ErrorCode.InvalidAttribute, $"RoiAlign mode '{mode}' is not avg or max");
        var transform = ctx.String("coordinate_transformation_mode", ctx.Opset >= 16 ? "half_pixel" : "output_half_pixel");
        bool halfPixel = transform switch
        {
            "half_pixel" => true,
            "output_half_pixel" => false,
            _ => throw ctx.Error(ErrorCode.InvalidAttribute, $"coordinate_transformation_mode '{transform}' is not half_pixel or output_half_pixel"),
        };
        int oh = (int)ctx.Int("output_height", 1), ow = (int)ctx.Int("output_width", 1);
        int samplingRatio = (int)ctx.Int("sampling_ratio", 0);
        double scale = ctx.Float("spatial_scale", 1f);
        int channels = xt.Shape[1], height = xt.Shape[2], width = xt.Shape[3], nRois = roisT.Shape[0];
        var x = TensorConvert.ToDoubles(xt);
        var rois = TensorConvert.ToDoubles(roisT);
        var y = new double[nRois * channels * oh * ow];
        double offset = halfPixel ? 0.5 : 0;
        for (int r = 0; r < nRois; r++)
        {
            long b = batchIdx[r];
            if (b < 0 || b >= xt.Shape[0]) throw ctx.Error(ErrorCode.IndexOutOfRange, $"batch index {b} is out of range");
            double x0 = rois[r * 4] * scale - offset, y0 = rois[r * 4 + 1] * scale - offset;
            double x1 = rois[r * 4 + 2] * scale - offset, y1 = rois[r * 4 + 3] * scale - offset;
            double rw = x1 - x0, rh = y1 - y0;
            if (!halfPixel) { rw = Math.Max(rw, 1); rh = Math.Max(rh, 1); }
            double binH = rh / oh, binW = rw / ow;
            int gridH = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(rh / oh);
            int gridW = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(rw / ow);
            int count = Math.Max(gridH * gridW, 1);
            for (int c = 0; c < channels; c++)
            {
                var img = x.AsSpan((int)((b * channels + c) * height * width), height * width);
                for (int ph = 0; ph < oh; ph++)
                    for (int pw = 0; pw < ow; pw++)
                    {
                        double acc = 0;
                        bool first = true;
                        for (int iy = 0; iy < gridH; iy++)
                        {
                            double yy = y0 + ph * binH + (iy + 0.5) * binH / gridH;
                            for (int ix = 0; ix < gridW; ix++)
                            {
                                double xx = x0 + pw * binW + (ix + 0.5) * binW / gridW;
                                var (p1, p2, p3, p4, w1, w2, w3, w4) = Bilinear(yy, xx, height, width);
                                if (mode == "avg") acc += w1 * img[p1] + w2 * img[p2] + w3 * img[p3] + w4 * img[p4];
                                else
                                {
                                    double v = Math.Max(Math.Max(w1 * img[p1], w2 * img[p2]), Math.Max(w3 * img[p3], w4 * img[p4]));
                                    acc = first ? v : Math.Max(acc, v);
                                    first = false;
                                }
                            }
                        }
                        y[((r * channels + c) * oh + ph) * ow + pw] = mode == "avg" ? acc / count : acc;
                    }
            }
        }
        return TensorConvert.FromDoubles(xt.DataType, y, [nRois, channels, oh, ow]);
    }

    /// <summary>The four neighbours and weights of a sample; all-zero weights outside [−1, size].</summary>
    private static (int, int, int, int, double, double, double, double) Bilinear(double y, double x, int height, int width)
    {
        if (y < -1 || y > height || x < -1 || x > width) return (0, 0, 0, 0, 0, 0, 0, 0);
        y = Math.Max(y, 0);
        x = Math.Max(x, 0);
        int yl = (int)y, xl = (int)x, yh, xh;
        if (yl >= height - 1) { yh = yl = height - 1; y = yl; } else yh = yl + 1;
        if (xl >= width - 1) { xh = xl = width - 1; x = xl; } else xh = xl + 1;
        double ly = y - yl, lx = x - xl, hy = 1 - ly, hx = 1 - lx;
        return (yl * width + xl, yl * width + xh, yh * width + xl, yh * width + xh, hy * hx, hy * lx, ly * hx, ly * lx);
    }
}
