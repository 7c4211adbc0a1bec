using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class SoftmaxTests
{
    private static readonly Gen<(int[] Shape, float[] Data, int Axis)> Cases =
        from shape in Gen.Int[1, 4].Array[1, 4]
        from data in Gen.Float[-20f, 20f].Array[ShapeMath.Size(shape)]
        from axis in Gen.Int[0, shape.Length - 1]
        select (shape, data, axis);

    /// <summary>The groups a softmax normalises: one axis (opset 13+) or all dims from the axis on (before).</summary>
    private static IEnumerable<int[]> Rows(int[] shape, int axis, bool coerced)
    {
        int size = ShapeMath.Size(shape);
        if (coerced)
        {
            int cols = ShapeMath.Size(shape.AsSpan(axis));
            for (int r = 0; r < size / cols; r++) yield return Enumerable.Range(r * cols, cols).ToArray();
            yield break;
        }
        var kept = shape.Select((d, i) => i == axis ? 1 : d).ToArray();
        for (int o = 0; o < ShapeMath.Size(kept); o++)
        {
            var idx = Unravel(o, kept);
            yield return Enumerable.Range(0, shape[axis]).Select(k => { idx[axis] = k; return Ravel(idx, shape); }).ToArray();
        }
    }

    [Fact]
    public void SoftmaxRowsArePositiveAndSumToOneAndLogSoftmaxIsItsLog()
    {
        Cases.Sample((shape, data, axis) =>
        {
            foreach (int opset in new[] { 11, 13 })
            {
                var attrs = new[] { A("axis", (long)axis) };
                var p = Doubles(Run1("Softmax", [F(data, shape)], attrs, opset));
                var lp = Doubles(Run1("LogSoftmax", [F(data, shape)], attrs, opset));
                var hard = Doubles(Run1("Hardmax", [F(data, shape)], attrs, opset));
                foreach (var row in Rows(shape, axis, coerced: opset < 13))
                {
                    Assert.InRange(row.Sum(i => p[i]), 1 - 1e-5, 1 + 1e-5);
                    Assert.All(row, i => Assert.InRange(p[i], 0, 1));
                    double max = row.Max(i => data[i]);
                    double logSum = Math.Log(row.Sum(i => Math.Exp(data[i] - max))) + max;
                    Close(row.Select(i => data[i] - logSum).ToArray(), row.Select(i => lp[i]).ToArray(), rtol: 1e-5, atol: 1e-5);
                    int first = row.First(i => data[i] == max);
                    Assert.All(row, i => Assert.Equal(i == first ? 1.0 : 0.0, hard[i]));
                }
            }
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void DefaultAxisIsLastFromOpset13AndOneBefore()
    {
        var x = F([0, 0, 0, 0, 0, 0, 0, 0], 2, 2, 2);
        Assert.All(Doubles(Run1("Softmax", [x], opset: 13)), v => Assert.Equal(0.5, v, 6));
        Assert.All(Doubles(Run1("Softmax", [x], opset: 11)), v => Assert.Equal(0.25, v, 6));
    }

    [Fact]
    public void SoftmaxOfLargeNumbersDoesNotOverflow()
    {
        var y = Doubles(Run1("Softmax", [F([10000, 10001], 1, 2)], opset: 13));
        Close([1 / (1 + Math.E), Math.E / (1 + Math.E)], y, rtol: 1e-6);
    }
}
