using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RoiAlign (opsets 10, 16, 22): pools each region of interest (x1, y1, x2, y2 in input coordinates,
/// scaled by <c>spatial_scale</c>) of image <c>batch_indices[r]</c> of X (N, C, H, W) into an
/// <c>output_height × output_width</c> grid of bins. Each bin averages (<c>avg</c>) or takes the maximum (<c>max</c>) of
/// <c>sampling_ratio²</c> bilinear samples (adaptive <c>ceil(bin size)</c> per dim when sampling_ratio is 0). Y is
/// (num_rois, C, output_height, output_width).
/// <para><c>coordinate_transformation_mode</c> (opset 16+, default <c>half_pixel</c>) shifts the ROI by −0.5 pixel;
/// <c>output_half_pixel</c> (the only behaviour of opset 10) does not, and widens ROIs smaller than one pixel to one.
/// As in the ONNX reference, max mode takes the maximum of the four weighted corner terms of each sample rather
/// than the maximum of the interpolated samples.</para></summary>
internal static class RoiAlignOp
{
    /// <summary>Bounds the adaptive sample grid, so that an absurd ROI fails with an error instead of exhausting memory.</summary>
    private const long MaxSamplesPerRoi = 1 << 26;

    public static OpSchema Schema => new("", "RoiAlign", c => [InferType(c)], c => [Evaluate(c)]);

    /// <summary>One bilinear sample: the flat offsets (within a channel) of its four corner pixels and their weights.</summary>
    private record struct Sample(int P1, int P2, int P3, int P4, double W1, double W2, double W3, double W4);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        var rois = c.InputTensor(1)?.Shape is { Rank: 2 } rs ? rs[0] : Dim.Unknown;
        if (!rois.IsKnown && c.InputTensor(2)?.Shape is { Rank: 1 } bs) rois = bs[0];
        var channels = x.Shape is { Rank: 4 } xs ? xs[1] : Dim.Unknown;
        return new TensorType(x.ElementType, Shape.Of([rois, channels, Dim.Of(c.Node.GetInt("output_height", 1)), Dim.Of(c.Node.GetInt("output_width", 1))]));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        var roisTensor = ctx.Input(1);
        var batchTensor = ctx.Input(2);
        if (!FloatBuffers.IsSupported(x.DataType) || !FloatBuffers.IsSupported(roisTensor.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"RoiAlign needs float X and rois, got {x.DataType.ShortName()} and {roisTensor.DataType.ShortName()}");
        if (x.Rank != 4 || roisTensor.Rank != 2 || roisTensor.Shape[1] != 4 || batchTensor.Rank != 1 || batchTensor.Shape[0] != roisTensor.Shape[0])
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"RoiAlign needs X (N, C, H, W), rois (R, 4) and batch_indices (R), got {ShapeMath.Format(x.Shape)}, {ShapeMath.Format(roisTensor.Shape)} and {ShapeMath.Format(batchTensor.Shape)}");
        int pooledH = checked((int)ctx.Int("output_height", 1)), pooledW = checked((int)ctx.Int("output_width", 1));
        if (pooledH <= 0 || pooledW <= 0)
            throw ctx.Error(ErrorCode.InvalidAttribute, $"RoiAlign output_height and output_width must be positive, got {pooledH} and {pooledW}");
        int samplingRatio = checked((int)ctx.Int("sampling_ratio", 0));
        if (samplingRatio < 0) throw ctx.Error(ErrorCode.InvalidAttribute, $"RoiAlign sampling_ratio must be >= 0, got {samplingRatio}");
        double spatialScale = ctx.Float("spatial_scale", 1f);
        string mode = ctx.String("mode", "avg");
        if (mode is not ("avg" or "max")) throw ctx.Error(ErrorCode.InvalidAttribute, $"RoiAlign mode '{mode}' is not avg or max");
        string transform = ctx.Opset < 16 ? "output_half_pixel" : ctx.String("coordinate_transformation_mode", "half_pixel");
        if (transform is not ("half_pixel" or "output_half_pixel"))
            throw ctx.Error(ErrorCode.InvalidAttribute, $"RoiAlign coordinate_transformation_mode '{transform}' is not half_pixel or output_half_pixel");
        bool halfPixel = transform == "half_pixel", max = mode == "max";

        int n = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int numRois = roisTensor.Shape[0];
        if (height == 0 || width == 0) throw ctx.Error(ErrorCode.InvalidShape, $"RoiAlign needs a non-empty image, got X {ShapeMath.Format(x.Shape)}");
        var xs = TensorConvert.ToDoubles(x);
        var rois = TensorConvert.ToDoubles(roisTensor);
        var batch = TensorConvert.ToInt64s(batchTensor);
        int bins = pooledH * pooledW;
        var y = new double[numRois * channels * bins];
        var samples = new List<Sample>();
        for (int r = 0; r < numRois; r++)
        {
            if (batch[r] < 0 || batch[r] >= n)
                throw ctx.Error(ErrorCode.IndexOutOfRange, $"RoiAlign batch index {batch[r]} of roi {r} is outside [0, {n})");
            double offset = halfPixel ? 0.5 : 0;
            double startW = rois[r * 4] * spatialScale - offset, startH = rois[r * 4 + 1] * spatialScale - offset;
            double roiW = rois[r * 4 + 2] * spatialScale - offset - startW, roiH = rois[r * 4 + 3] * spatialScale - offset - startH;
            if (!halfPixel)
            {
                roiW = Math.Max(roiW, 1);
                roiH = Math.Max(roiH, 1);
            }
            double binH = roiH / pooledH, binW = roiW / pooledW;
            int gridH = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(binH);
            int gridW = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(binW);
            gridH = Math.Max(gridH, 0);
            gridW = Math.Max(gridW, 0);
            if ((long)gridH * gridW * bins > MaxSamplesPerRoi)
                throw ctx.Error(ErrorCode.InvalidArgument,
                    $"RoiAlign roi {r} needs {gridH}x{gridW} samples in each of its {bins} bins, more than {MaxSamplesPerRoi}",
                    "check the rois and spatial_scale, or set sampling_ratio");
            int count = Math.Max(gridH * gridW, 1);

            // Sample positions and weights are shared by all channels.
            samples.Clear();
            for (int ph = 0; ph < pooledH; ph++)
            for (int pw = 0; pw < pooledW; pw++)
            for (int iy = 0; iy < gridH; iy++)
            {
                double sy = startH + ph * binH + (iy + 0.5) * binH / gridH;
                for (int ix = 0; ix < gridW; ix++)
                {
                    double sx = startW + pw * binW + (ix + 0.5) * binW / gridW;
                    samples.Add(Bilinear(sy, sx, height, width));
                }
            }

            int perBin = gridH * gridW;
            for (int c = 0; c < channels; c++)
            {
                var image = xs.AsSpan((int)((batch[r] * channels + c) * height * width), height * width);
                var output = y.AsSpan((r * channels + c) * bins, bins);
                for (int bin = 0; bin < bins; bin++)
                {
                    double value = 0;
                    for (int s = bin * perBin; s < (bin + 1) * perBin; s++)
                    {
                        var p = samples[s];
                        if (!max)
                            value += p.W1 * image[p.P1] + p.W2 * image[p.P2] + p.W3 * image[p.P3] + p.W4 * image[p.P4];
                        else
                        {
                            double m = Math.Max(Math.Max(p.W1 * image[p.P1], p.W2 * image[p.P2]), Math.Max(p.W3 * image[p.P3], p.W4 * image[p.P4]));
                            value = s == bin * perBin ? m : Math.Max(value, m);
                        }
                    }
                    output[bin] = max ? value : value / count;
                }
            }
        }
        return TensorConvert.FromDoubles(x.DataType, y, [numRois, channels, pooledH, pooledW]);
    }

    /// <summary>The bilinear sample at (y, x): points more than one pixel outside the image read zero; points
    /// within a pixel of the edge read the edge.</summary>
    private static Sample Bilinear(double y, double x, int height, int width)
    {
        if (y < -1 || y > height || x < -1 || x > width) return default;
        y = Math.Max(y, 0);
        x = Math.Max(x, 0);
        int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
        if (yLow >= height - 1) { yLow = yHigh = height - 1; y = yLow; }
        else yHigh = yLow + 1;
        if (xLow >= width - 1) { xLow = xHigh = width - 1; x = xLow; }
        else xHigh = xLow + 1;
        double ly = y - yLow, lx = x - xLow, hy = 1 - ly, hx = 1 - lx;
        return new Sample(yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh,
            hy * hx, hy * lx, ly * hx, ly * lx);
    }
}
