using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>GridSample (opsets 16, 20, 22): samples X (N, C, D1…Dr) at the points of grid (N, O1…Or, r), whose last
/// axis holds normalized coordinates in [−1, 1] innermost dim first (x, y[, z]). Y is (N, C, O1…Or). Modes
/// <c>nearest</c>, <c>linear</c>/<c>bilinear</c>, <c>cubic</c>/<c>bicubic</c> (opset 16 names them bilinear/bicubic, 20+
/// linear/cubic; both spellings are accepted in every opset); padding <c>zeros</c>, <c>border</c>, <c>reflection</c>.
/// Computed in double; Y has X's element type.</summary>
internal static class GridSampleOp
{
    public static OpSchema Schema => new("", "GridSample", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        var grid = c.InputTensor(1)?.Shape;
        if (x.Shape is null || grid is null) return new TensorType(x.ElementType, null);
        if (x.Shape.Rank < 3 || grid.Rank != x.Shape.Rank)
            throw c.Error(ErrorCode.ShapeMismatch, $"GridSample needs X of rank >= 3 and a grid of the same rank, got {x.Shape} and {grid}");
        var n = x.Shape[0].IsKnown ? x.Shape[0] : grid[0];
        return new TensorType(x.ElementType, Shape.Of([n, x.Shape[1], .. grid.Dims.Skip(1).Take(grid.Rank - 2)]));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        var grid = ctx.Input(1);
        if (!x.DataType.IsNativeNumeric() && x.DataType != DataType.BFloat16)
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"GridSample does not support X of type {x.DataType.ShortName()}");
        if (!FloatBuffers.IsSupported(grid.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"GridSample needs a float grid, got {grid.DataType.ShortName()}");
        int rank = x.Rank - 2;
        if (rank < 1 || grid.Rank != x.Rank || grid.Shape[^1] != rank || grid.Shape[0] != x.Shape[0])
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"GridSample needs X (N, C, D1…Dr) and grid (N, O1…Or, r), got {ShapeMath.Format(x.Shape)} and {ShapeMath.Format(grid.Shape)}");
        var sampler = new GridSampler(x.Shape[2..], ReadInterpolation(ctx), ReadPadding(ctx), ctx.Int("align_corners", 0) != 0);

        int n = x.Shape[0], channels = x.Shape[1];
        int[] outSpatial = grid.Shape[1..^1];
        int points = ShapeMath.Size(outSpatial), image = ShapeMath.Size(x.Shape.AsSpan(2));
        if (image == 0 && n * channels * points > 0)
            throw ctx.Error(ErrorCode.InvalidShape, $"GridSample cannot sample the empty image of X {ShapeMath.Format(x.Shape)}");
        var xs = TensorConvert.ToDoubles(x);
        var gs = TensorConvert.ToDoubles(grid);
        var y = new double[n * channels * points];
        Span<double> point = stackalloc double[rank];
        for (int b = 0; b < n; b++)
        {
            for (int p = 0; p < points; p++)
            {
                // The grid lists coordinates innermost dim first; the sampler wants them outermost first.
                int at = (b * points + p) * rank;
                for (int d = 0; d < rank; d++) point[d] = sampler.Denormalize(gs[at + rank - 1 - d], d);
                sampler.MoveTo(point);
                for (int c = 0; c < channels; c++)
                    y[(b * channels + c) * points + p] = sampler.Sample(xs.AsSpan((b * channels + c) * image, image));
            }
        }
        return TensorConvert.FromDoubles(x.DataType, y, [n, channels, .. outSpatial]);
    }

    private static SampleInterpolation ReadInterpolation(OpContext ctx)
    {
        string mode = ctx.String("mode", ctx.Opset < 20 ? "bilinear" : "linear");
        return mode switch
        {
            "nearest" => SampleInterpolation.Nearest,
            "linear" or "bilinear" => SampleInterpolation.Linear,
            "cubic" or "bicubic" => SampleInterpolation.Cubic,
            _ => throw ctx.Error(ErrorCode.InvalidAttribute, $"GridSample mode '{mode}' is not one of nearest, linear (bilinear), cubic (bicubic)"),
        };
    }

    private static SamplePadding ReadPadding(OpContext ctx)
    {
        string padding = ctx.String("padding_mode", "zeros");
        return padding switch
        {
            "zeros" => SamplePadding.Zeros,
            "border" => SamplePadding.Border,
            "reflection" => SamplePadding.Reflection,
            _ => throw ctx.Error(ErrorCode.InvalidAttribute, $"GridSample padding_mode '{padding}' is not one of zeros, border, reflection"),
        };
    }
}
