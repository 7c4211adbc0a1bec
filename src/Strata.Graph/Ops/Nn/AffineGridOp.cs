using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>AffineGrid (opset 20): the sampling grid for GridSample from affine matrices theta [N, 2, 3] (2-D) or
/// [N, 3, 4] (3-D) and an output size [N, C, H, W] or [N, C, D, H, W]. Each output position's normalized
/// coordinates (x innermost, in [−1, 1]: pixel centres, or corners with align_corners) are mapped by theta;
/// the grid is [N, H, W, 2] or [N, D, H, W, 3] with x first.</summary>
internal static class AffineGridOp
{
    public static OpSchema Schema => new("", "AffineGrid", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var theta = c.InputTensor(0);
        if (theta is null) return null;
        if (c.ConstantInput(1) is { } size)
        {
            var s = TensorConvert.ToInt64s(size);
            if (s.Length is 4 or 5)
                return new TensorType(theta.ElementType, Shape.Of([s[0], .. s[2..], s.Length - 2]));
        }
        return new TensorType(theta.ElementType, c.InputShape(1) is [int len] ? Shape.Of(Enumerable.Repeat(Dim.Unknown, len - 1)) : null);
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var thetaT = ctx.Input(0);
        var size = TensorConvert.ToInt64s(ctx.Input(1));
        bool align = ctx.Int("align_corners", 0) != 0;
        if (size.Length is not (4 or 5))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"AffineGrid size must have 4 or 5 values, got {size.Length}");
        int r = size.Length - 2, n = (int)size[0];
        if (thetaT.Rank != 3 || thetaT.Shape[0] != n || thetaT.Shape[1] != r || thetaT.Shape[2] != r + 1)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"AffineGrid theta must be [{n},{r},{r + 1}], got {ShapeMath.Format(thetaT.Shape)}");
        var spatial = size[2..].Select(v => checked((int)v)).ToArray();
        var theta = TensorConvert.ToDoubles(thetaT);
        int count = ShapeMath.Size(spatial);
        var y = new double[n * count * r];
        var coord = new double[r + 1];
        var strides = ShapeMath.Strides(spatial);
        for (int p = 0; p < count; p++)
        {
            // Homogeneous coordinate (x, y[, z], 1): x is the innermost spatial dim.
            for (int d = 0; d < r; d++)
            {
                int dim = r - 1 - d, s = spatial[dim], i = p / strides[dim] % s;
                coord[d] = align ? (s > 1 ? -1 + 2.0 * i / (s - 1) : 0) : -1 + (2.0 * i + 1) / s;
            }
            coord[r] = 1;
            for (int ni = 0; ni < n; ni++)
                for (int row = 0; row < r; row++)
                {
                    double acc = 0;
                    for (int col = 0; col <= r; col++) acc += theta[(ni * r + row) * (r + 1) + col] * coord[col];
                    y[(ni * count + p) * r + row] = acc;
                }
        }
        return TensorConvert.FromDoubles(thetaT.DataType, y, [n, .. spatial, r]);
    }
}
