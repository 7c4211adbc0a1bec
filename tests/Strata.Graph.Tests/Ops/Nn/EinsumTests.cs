using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

public class EinsumTests
{
    private static Tensor Einsum(string eq, params Tensor[] inputs) => NnHarness.Run("Einsum", inputs, 1, 12, Attribute.Of("equation", eq))[0];

    [Fact]
    public void Batch_matmul_matches_matmul_op()
    {
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int[0, 1000]).Sample((b, m, k, n, seed) =>
        {
            var rng = new Random(seed);
            var x = NnHarness.RandomDouble(rng, b, m, k);
            var y = NnHarness.RandomDouble(rng, b, k, n);
            var expected = NnHarness.Run("MatMul", [x, y])[0];
            NnHarness.AssertClose(TensorConvert.ToDoubles(expected), Einsum("bij,bjk->bik", x, y), 1e-12);
            // Implicit output: labels that occur once, alphabetically — b occurs twice, so it is summed.
            var e = TensorConvert.ToDoubles(expected);
            var summed = new double[m * n];
            for (int i = 0; i < e.Length; i++) summed[i % (m * n)] += e[i];
            NnHarness.AssertClose(summed, Einsum("bij,bjk", x, y), 1e-12);
        }, iter: 40);
    }

    [Fact]
    public void Transpose_diagonal_trace_and_sums()
    {
        var x = Tensor<double>.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3);
        NnHarness.AssertClose([1, 4, 7, 2, 5, 8, 3, 6, 9], Einsum("ij->ji", x), 0);
        NnHarness.AssertClose([1, 5, 9], Einsum("ii->i", x), 0);
        NnHarness.AssertClose([15], Einsum("ii", x), 0);
        NnHarness.AssertClose([6, 15, 24], Einsum("ij->i", x), 0);
        NnHarness.AssertClose([45], Einsum("ij->", x), 0);
        var batch = Tensor<double>.FromArray([.. Enumerable.Range(0, 18).Select(v => (double)v)], 2, 3, 3);
        NnHarness.AssertClose([0, 4, 8, 9, 13, 17], Einsum("...ii->...i", batch), 0);
    }

    [Fact]
    public void Ellipsis_broadcasts_and_outer_product()
    {
        var a = Tensor<float>.FromArray([1, 2, 3, 4], 2, 1, 2);
        var b = Tensor<float>.FromArray([10, 20, 30, 40, 50, 60], 3, 2);
        var y = Einsum("...j,...j->...", a, b);
        Assert.Equal(new[] { 2, 3 }, y.Shape);
        NnHarness.AssertClose([50, 110, 170, 110, 250, 390], y, 1e-6);
        var outer = Einsum("i,j->ij", Tensor<int>.FromArray([1, 2], 2), Tensor<int>.FromArray([3, 4, 5], 3));
        Assert.Equal(new[] { 3, 4, 5, 6, 8, 10 }, ((Tensor<int>)outer).ToArray());
        Assert.Equal("f32[2,3]", NnHarness.Infer("Einsum", [a, b], 1, 12, Attribute.Of("equation", "...j,...j->..."))[0]!.ToString());
    }

    [Fact]
    public void Bad_equations_are_reported()
    {
        var x = NnHarness.RandomDouble(new Random(0), 2, 3);
        Assert.Throws<StrataException>(() => Einsum("ijk->i", x));
        Assert.Throws<StrataException>(() => Einsum("ij->k", x));
        Assert.Throws<StrataException>(() => Einsum("ij,jk->ik", x));
    }
}
