using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>AffineGrid (opset 20): the sampling grid of an affine transform, for GridSample. For 2-d, theta is
/// (N, 2, 3), size is (N, C, H, W) and the grid is (N, H, W, 2) with <c>grid[n, h, w] = theta[n] · (x_w, y_h, 1)</c>;
/// for 3-d, theta is (N, 3, 4), size is (N, C, D, H, W) and the grid (N, D, H, W, 3). The base coordinates span
/// [−1, 1]: pixel centres at <c>−1 + 2i/(s−1)</c> with <c>align_corners</c>, else <c>−1 + (2i+1)/s</c>.</summary>
internal static class AffineGridOp
{
    public static OpSchema Schema => new("", "AffineGrid", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var theta = c.InputTensor(0);
        if (theta is null) return null;
        var n = theta.Shape is { Rank: 3 } ts ? ts[0] : Dim.Unknown;
        if (c.ConstantInput(1) is { } size)
        {
            var dims = TensorConvert.ToInt64s(size);
            if (dims.Length is not (4 or 5))
                throw c.Error(ErrorCode.ShapeMismatch, $"AffineGrid size must have 4 (2-d) or 5 (3-d) values, got {dims.Length}");
            return new TensorType(theta.ElementType, Shape.Of([Dim.Of(dims[0]), .. dims[2..].Select(Dim.Of), Dim.Of(dims.Length - 2)]));
        }
        if (c.InputShape(1) is [int r] && r is 4 or 5)
            return new TensorType(theta.ElementType, Shape.Of([n, .. Enumerable.Repeat(Dim.Unknown, r - 2), Dim.Of(r - 2)]));
        return new TensorType(theta.ElementType, null);
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var theta = ctx.Input(0);
        if (!FloatBuffers.IsSupported(theta.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"AffineGrid does not support theta of type {theta.DataType.ShortName()}");
        var size = TensorConvert.ToInt64s(ctx.Input(1));
        if (size.Length is not (4 or 5))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"AffineGrid size must have 4 (2-d) or 5 (3-d) values, got {size.Length}");
        int r = size.Length - 2;
        int n = checked((int)size[0]);
        if (theta.Rank != 3 || theta.Shape[0] != n || theta.Shape[1] != r || theta.Shape[2] != r + 1)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"AffineGrid theta must be ({n}, {r}, {r + 1}) for size {ShapeMath.Format(Array.ConvertAll(size, v => (int)v))}, got {ShapeMath.Format(theta.Shape)}");
        int[] spatial = new int[r];
        for (int d = 0; d < r; d++)
        {
            spatial[d] = checked((int)size[d + 2]);
            if (spatial[d] <= 0) throw ctx.Error(ErrorCode.InvalidShape, $"AffineGrid size must be positive, got {size[d + 2]}");
        }
        bool alignCorners = ctx.Int("align_corners", 0) != 0;

        // Base coordinates per spatial dim, outermost first.
        var axes = new double[r][];
        for (int d = 0; d < r; d++) axes[d] = BaseCoordinates(spatial[d], alignCorners);

        var t = TensorConvert.ToDoubles(theta);
        int points = ShapeMath.Size(spatial);
        var grid = new double[n * points * r];
        var strides = ShapeMath.Strides(spatial);
        Span<double> homogeneous = stackalloc double[r + 1];
        for (int p = 0; p < points; p++)
        {
            // The point as (x, y[, z], 1): innermost dim first.
            for (int d = 0; d < r; d++) homogeneous[r - 1 - d] = axes[d][p / strides[d] % spatial[d]];
            homogeneous[r] = 1;
            for (int b = 0; b < n; b++)
            {
                int at = (b * points + p) * r;
                for (int row = 0; row < r; row++)
                {
                    double sum = 0;
                    for (int col = 0; col <= r; col++) sum += t[(b * r + row) * (r + 1) + col] * homogeneous[col];
                    grid[at + row] = sum;
                }
            }
        }
        return TensorConvert.FromDoubles(theta.DataType, grid, [n, .. spatial, r]);
    }

    /// <summary>The normalized coordinates of the <paramref name="size"/> pixel centres along one dim.</summary>
    private static double[] BaseCoordinates(int size, bool alignCorners)
    {
        var a = new double[size];
        for (int i = 0; i < size; i++)
            a[i] = alignCorners
                ? (size == 1 ? -1 : -1 + 2.0 * i / (size - 1))
                : -1 + (2.0 * i + 1) / size;
        return a;
    }
}
