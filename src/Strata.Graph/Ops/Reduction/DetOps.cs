using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Det: the determinant of each square matrix in the trailing two dims of [*, M, M], by LU decomposition
/// with partial pivoting in double.</summary>
internal static class DetOps
{
    public static void Register(ExtensionRegistry registry) =>
        registry.AddOp(OpSchema.Unary("Det", Infer, Det));

    private static TensorType? Infer(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x?.Shape is not { } s) return x is null ? null : new TensorType(x.ElementType, null);
        if (s.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"Det needs an input of rank >= 2, got {s}");
        return new TensorType(x.ElementType, Shape.Of(s.Dims.Take(s.Rank - 2)));
    }

    private static Tensor Det(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2 || x.Shape[^1] != x.Shape[^2])
            throw c.Error(ErrorCode.InvalidShape, $"Det needs square matrices [*, M, M], got {ShapeMath.Format(x.Shape)}");
        int m = x.Shape[^1];
        var batchShape = x.Shape[..^2];
        int batch = ShapeMath.Size(batchShape);
        var v = TensorConvert.ToDoubles(x);
        var result = new double[batch];
        var a = new double[m * m];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(v, b * m * m, a, 0, m * m);
            result[b] = Determinant(a, m);
        }
        return TensorConvert.FromDoubles(x.DataType, result, batchShape);
    }

    /// <summary>Determinant of the row-major m×m matrix <paramref name="a"/> (overwritten by its LU factors).</summary>
    internal static double Determinant(double[] a, int m)
    {
        double det = 1;
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++)
                if (Math.Abs(a[r * m + col]) > Math.Abs(a[pivot * m + col])) pivot = r;
            if (a[pivot * m + col] == 0) return 0;
            if (pivot != col)
            {
                for (int k = 0; k < m; k++) (a[col * m + k], a[pivot * m + k]) = (a[pivot * m + k], a[col * m + k]);
                det = -det;
            }
            double p = a[col * m + col];
            det *= p;
            for (int r = col + 1; r < m; r++)
            {
                double f = a[r * m + col] / p;
                if (f == 0) continue;
                for (int k = col; k < m; k++) a[r * m + k] -= f * a[col * m + k];
            }
        }
        return det;
    }
}
