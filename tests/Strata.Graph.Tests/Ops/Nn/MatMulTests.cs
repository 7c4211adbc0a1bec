using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

public class MatMulTests
{
    /// <summary>Naive triple loop on doubles: C[i,j] = Σ_p A[i,p]·B[p,j].</summary>
    private static double[] Naive(double[] a, double[] b, int m, int k, int n, int aOff = 0, int bOff = 0)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[aOff + i * k + p] * b[bOff + p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    [Fact]
    public void Matrices_match_naive_product()
    {
        Gen.Select(Gen.Int[1, 70], Gen.Int[0, 300], Gen.Int[1, 70], Gen.Int[0, 1000]).Sample((m, k, n, seed) =>
        {
            var rng = new Random(seed);
            var a = NnHarness.Random(rng, m, k);
            var b = NnHarness.Random(rng, k, n);
            var y = NnHarness.Run("MatMul", [a, b])[0];
            Assert.Equal(new[] { m, n }, y.Shape);
            NnHarness.AssertClose(Naive(TensorConvert.ToDoubles(a), TensorConvert.ToDoubles(b), m, k, n), y, 1e-4);
        }, iter: 60);
    }

    [Fact]
    public void Large_product_uses_threads_and_matches()
    {
        var rng = new Random(3);
        var a = NnHarness.Random(rng, 67, 300);
        var b = NnHarness.Random(rng, 300, 257);
        var y = NnHarness.Run("MatMul", [a, b])[0];
        NnHarness.AssertClose(Naive(TensorConvert.ToDoubles(a), TensorConvert.ToDoubles(b), 67, 300, 257), y, 1e-4);
    }

    [Fact]
    public void Batches_broadcast_and_vectors_promote()
    {
        var rng = new Random(1);
        var a = NnHarness.RandomDouble(rng, 3, 1, 4, 5);
        var b = NnHarness.RandomDouble(rng, 2, 5, 6);
        var y = NnHarness.Run("MatMul", [a, b])[0];
        Assert.Equal(new[] { 3, 2, 4, 6 }, y.Shape);
        var ad = a.ToArray();
        var bd = b.ToArray();
        var expected = new List<double>();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++)
                expected.AddRange(Naive(ad, bd, 4, 5, 6, i * 20, j * 30));
        NnHarness.AssertClose(expected.ToArray(), y, 1e-12);

        var v = NnHarness.RandomDouble(rng, 5);
        var yv = NnHarness.Run("MatMul", [a, v])[0];
        Assert.Equal(new[] { 3, 1, 4 }, yv.Shape);
        var vy = NnHarness.Run("MatMul", [v, b])[0];
        Assert.Equal(new[] { 2, 6 }, vy.Shape);
        var dot = NnHarness.Run("MatMul", [v, v])[0];
        Assert.Empty(dot.Shape);
        NnHarness.AssertClose([v.ToArray().Sum(x => x * x)], dot, 1e-12);
    }

    [Fact]
    public void Integers_and_halves()
    {
        var a = Tensor<int>.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        var b = Tensor<int>.FromArray([1, 0, 0, 1, 2, -1], 3, 2);
        var y = (Tensor<int>)NnHarness.Run("MatMul", [a, b])[0];
        Assert.Equal(new[] { 7, -1, 16, -1 }, y.ToArray());

        var ah = Tensor<Half>.FromArray([(Half)1, (Half)2, (Half)3, (Half)4], 2, 2);
        var yh = NnHarness.Run("MatMul", [ah, ah])[0];
        Assert.Equal(DataType.Float16, yh.DataType);
        NnHarness.AssertClose([7, 10, 15, 22], yh, 0);
    }

    [Fact]
    public void Infers_shapes()
    {
        var t = NnHarness.Infer("MatMul", [new Tensor<float>([2, 1, 3, 4]), new Tensor<float>([5, 4, 7])], 1, 13);
        Assert.Equal("f32[2,5,3,7]", t[0]!.ToString());
        Assert.Throws<StrataException>(() => NnHarness.Infer("MatMul", [new Tensor<float>([3, 4]), new Tensor<float>([5, 7])], 1, 13));
    }

    [Fact]
    public void Gemm_matches_formula()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[0, 15], Gen.Int[0, 1000]).Sample((m, k, n, flags, seed) =>
        {
            var rng = new Random(seed);
            bool ta = (flags & 1) != 0, tb = (flags & 2) != 0;
            int cKind = flags >> 2; // 0 none, 1 scalar, 2 row vector, 3 full
            var a = NnHarness.RandomDouble(rng, ta ? [k, m] : [m, k]);
            var b = NnHarness.RandomDouble(rng, tb ? [n, k] : [k, n]);
            Tensor<double>? c = cKind switch { 1 => NnHarness.RandomDouble(rng), 2 => NnHarness.RandomDouble(rng, n), 3 => NnHarness.RandomDouble(rng, m, n), _ => null };
            float alpha = 0.75f, beta = 1.5f;
            var y = NnHarness.Run("Gemm", [a, b, c], Attribute.Of("transA", ta ? 1L : 0L), Attribute.Of("transB", tb ? 1L : 0L),
                Attribute.Of("alpha", alpha), Attribute.Of("beta", beta))[0];
            var expected = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    double cv = cKind switch { 1 => c![0], 2 => c![j], 3 => c![i * n + j], _ => 0 };
                    expected[i * n + j] = alpha * s + beta * cv;
                }
            NnHarness.AssertClose(expected, y, 1e-9);
        }, iter: 80);
    }
}
