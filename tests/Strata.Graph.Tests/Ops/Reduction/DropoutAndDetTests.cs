using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class DropoutAndDetTests
{
    [Fact]
    public void DropoutInInferenceIsTheIdentityWithAnAllTrueMask()
    {
        var x = F([1, -2, 3], 3);
        var outs = ReductionHarness.Run("Dropout", [x, F([0.5f]), Of([false])], opset: 13, outputs: 2);
        Assert.Equal([1.0, -2, 3], Doubles(outs[0]!));
        Assert.Equal([true, true, true], ((Tensor<bool>)outs[1]!).ToArray());
        var old = ReductionHarness.Run("Dropout", [x], [A("ratio", 0.9f)], opset: 7, outputs: 2);
        Assert.Equal([1.0, -2, 3], Doubles(old[0]!));
        Assert.Equal(DataType.Float32, old[1]!.DataType);
        Assert.Equal([1.0, 1, 1], Doubles(old[1]!));
    }

    /// <summary>numpy: <c>np.random.seed(0); np.random.uniform(0, 1, 4)</c> is 0.5488135, 0.71518937, 0.60276338, 0.54488318.</summary>
    [Fact]
    public void TrainingDropoutWithASeedDrawsNumpysLegacyUniforms()
    {
        var x = F([1, 2, 3, 4], 4);
        var outs = ReductionHarness.Run("Dropout", [x, F([0.6f]), Of([true])], [A("seed", 0L)], opset: 13, outputs: 2);
        Assert.Equal([false, true, true, false], ((Tensor<bool>)outs[1]!).ToArray());
        Close([0, 2 / 0.4, 3 / 0.4, 0], Doubles(outs[0]!), rtol: 1e-6);
    }

    [Fact]
    public void TrainingDropoutKeepsAboutOneMinusRatioAndScales()
    {
        var x = F(Enumerable.Repeat(1f, 10000).ToArray(), 10000);
        var y = Doubles(Run1("Dropout", [x, F([0.25f]), Of([true])], opset: 13));
        int kept = y.Count(v => v != 0);
        Assert.InRange(kept, 7200, 7800);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.75, v, 5));
    }

    private static double Cofactor(double[,] a)
    {
        int m = a.GetLength(0);
        if (m == 1) return a[0, 0];
        double det = 0;
        for (int j = 0; j < m; j++)
        {
            var minor = new double[m - 1, m - 1];
            for (int r = 1; r < m; r++)
                for (int k = 0, c = 0; k < m; k++)
                    if (k != j) minor[r - 1, c++] = a[r, k];
            det += (j % 2 == 0 ? 1 : -1) * a[0, j] * Cofactor(minor);
        }
        return det;
    }

    [Fact]
    public void DetMatchesCofactorExpansion()
    {
        var gen = from m in Gen.Int[1, 4]
                  from batch in Gen.Int[1, 3]
                  from data in Gen.Int[-3, 3].Array[batch * m * m]
                  select (m, batch, data);
        gen.Sample((m, batch, data) =>
        {
            var y = Doubles(Run1("Det", [D(data.Select(v => (double)v).ToArray(), batch, m, m)], opset: 22));
            for (int b = 0; b < batch; b++)
            {
                var a = new double[m, m];
                for (int i = 0; i < m * m; i++) a[i / m, i % m] = data[b * m * m + i];
                Close([Cofactor(a)], [y[b]], rtol: 1e-9, atol: 1e-9);
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void DetOfOneMatrixIsAScalar()
    {
        var y = Run1("Det", [F([1, 2, 3, 4], 2, 2)], opset: 22);
        Assert.Empty(y.Shape);
        Assert.Equal(-2, Doubles(y)[0], 5);
    }
}
