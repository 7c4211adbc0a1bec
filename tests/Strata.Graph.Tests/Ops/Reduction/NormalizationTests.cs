using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class NormalizationTests
{
    private static readonly Gen<(int[] Shape, float[] Data, int Axis)> Cases =
        from shape in Gen.Int[2, 5].Array[1, 4]
        from data in Gen.Float[-10f, 10f].Array[ShapeMath.Size(shape)]
        from axis in Gen.Int[0, shape.Length - 1]
        select (shape, data, axis);

    private static double Mean(IEnumerable<double> v) => v.Average();

    [Fact]
    public void LayerNormRowsHaveMeanZeroAndVarianceOneAndStatsOutputsMatch()
    {
        Cases.Sample((shape, data, axis) =>
        {
            int cols = ShapeMath.Size(shape.AsSpan(axis)), rows = data.Length / cols;
            var ones = Enumerable.Repeat(1f, cols).ToArray();
            var outs = ReductionHarness.Run("LayerNormalization", [F(data, shape), F(ones, shape[axis..])],
                [A("axis", (long)axis), A("epsilon", 1e-9f)], opset: 17, outputs: 3);
            var y = Doubles(outs[0]!);
            var mean = Doubles(outs[1]!);
            var inv = Doubles(outs[2]!);
            Assert.Equal(shape.Select((d, i) => i < axis ? d : 1).ToArray(), outs[1]!.Shape);
            for (int r = 0; r < rows; r++)
            {
                var x = data.Skip(r * cols).Take(cols).Select(v => (double)v).ToArray();
                double m = Mean(x), variance = x.Average(v => (v - m) * (v - m));
                Close([m], [mean[r]], rtol: 1e-5, atol: 1e-5);
                Close([1 / Math.Sqrt(variance + 1e-9)], [inv[r]], rtol: 1e-4);
                var row = y.Skip(r * cols).Take(cols).ToArray();
                Assert.InRange(Mean(row), -1e-4, 1e-4);
                if (variance > 1e-3) Assert.InRange(row.Average(v => v * v), 1 - 1e-3, 1 + 1e-3);
            }
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void LayerNormAppliesBroadcastScaleAndBias()
    {
        var y = Doubles(Run1("LayerNormalization", [F([1, 3, 5, 9], 2, 2), F([2, 3], 2), F([10, 20], 2)], opset: 17));
        Close([10 - 2, 20 + 3, 10 - 2, 20 + 3], y, rtol: 1e-4);
    }

    [Fact]
    public void RmsNormRowsHaveUnitMeanSquare()
    {
        Cases.Sample((shape, data, axis) =>
        {
            int cols = ShapeMath.Size(shape.AsSpan(axis));
            var y = Doubles(Run1("RMSNormalization", [F(data, shape), F(Enumerable.Repeat(2f, cols).ToArray(), shape[axis..])],
                [A("axis", (long)axis), A("epsilon", 0f)], opset: 23));
            for (int r = 0; r < data.Length / cols; r++)
            {
                var x = data.Skip(r * cols).Take(cols).ToArray();
                if (x.All(v => v == 0)) continue;
                double rms = Math.Sqrt(x.Average(v => (double)v * v));
                Close(x.Select(v => 2 * v / rms).ToArray(), y.Skip(r * cols).Take(cols).ToArray(), rtol: 1e-4, atol: 1e-5);
            }
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void GroupNormNormalisesEachGroupAndScalesPerChannelFromOpset21()
    {
        // N=1, C=4, spatial 2, two groups of two channels.
        var x = F([1, 2, 3, 4, 10, 10, 20, 20], 1, 4, 2);
        var scale = F([1, 2, 3, 4], 4);
        var bias = F([0, 0, 0, 1], 4);
        var y = Doubles(Run1("GroupNormalization", [x, scale, bias], [A("num_groups", 2L), A("epsilon", 0f)], opset: 21));
        double s1 = Math.Sqrt(1.25); // group 1: 1,2,3,4 mean 2.5 var 1.25
        Close([-1.5 / s1, -0.5 / s1, 2 * 0.5 / s1, 2 * 1.5 / s1, -3, -3, 4 + 1, 4 + 1], y, rtol: 1e-4, atol: 1e-5);
        // Opset 18: scale and bias have one value per group.
        var y18 = Doubles(Run1("GroupNormalization", [x, F([1, 3], 2), F([0, 1], 2)], [A("num_groups", 2L), A("epsilon", 0f)], opset: 18));
        Close([-1.5 / s1, -0.5 / s1, 0.5 / s1, 1.5 / s1, -3 + 1, -3 + 1, 3 + 1, 3 + 1], y18, rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void InstanceNormAndBatchNormInference()
    {
        var x = F([1, 3, 10, 30, 2, 4, 20, 40], 2, 2, 2);
        var inst = Doubles(Run1("InstanceNormalization", [x, F([1, 2], 2), F([0, 5], 2)], [A("epsilon", 0f)], opset: 6));
        Close([-1, 1, 5 - 2, 5 + 2, -1, 1, 5 - 2, 5 + 2], inst, rtol: 1e-5);
        var bn = Doubles(Run1("BatchNormalization", [x, F([1, 2], 2), F([0, 1], 2), F([2, 20], 2), F([4, 100], 2)],
            [A("epsilon", 0f)], opset: 15));
        Close([-0.5, 0.5, 2 * -1 + 1, 2 * 1 + 1, 0, 1, 1, 2 * 2 + 1], bn, rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void BatchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        var x = F([1, 3, 10, 30, 5, 7, 20, 40], 2, 2, 2);
        var outs = ReductionHarness.Run("BatchNormalization", [x, F([1, 1], 2), F([0, 0], 2), F([0, 0], 2), F([1, 1], 2)],
            [A("epsilon", 0f), A("momentum", 0.5f), A("training_mode", 1L)], opset: 15, outputs: 3);
        // channel 0: 1,3,5,7 mean 4 var 5; channel 1: 10,30,20,40 mean 25 var 125
        Close([(1 - 4) / Math.Sqrt(5), (3 - 4) / Math.Sqrt(5)], Doubles(outs[0]!).Take(2).ToArray(), rtol: 1e-5);
        Close([2, 12.5], Doubles(outs[1]!), rtol: 1e-6);
        Close([3, 63], Doubles(outs[2]!), rtol: 1e-6);
    }

    [Fact]
    public void LpNormalizationGivesUnitNorms()
    {
        Cases.Sample((shape, data, axis) =>
        {
            foreach (long p in new[] { 1L, 2L })
            {
                var y = Doubles(Run1("LpNormalization", [F(data, shape)], [A("axis", (long)axis), A("p", p)], opset: 22));
                var kept = shape.Select((d, i) => i == axis ? 1 : d).ToArray();
                for (int o = 0; o < ShapeMath.Size(kept); o++)
                {
                    var idx = Unravel(o, kept);
                    var line = Enumerable.Range(0, shape[axis]).Select(k => { idx[axis] = k; return Ravel(idx, shape); }).ToArray();
                    if (line.All(i => data[i] == 0)) continue;
                    double norm = p == 1 ? line.Sum(i => Math.Abs(y[i])) : Math.Sqrt(line.Sum(i => y[i] * y[i]));
                    Assert.Equal(1, norm, 4);
                }
            }
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void MeanVarianceNormalizationStandardisesOverTheAxes()
    {
        var x = F([1, 2, 3, 4, 6, 8, 10, 12], 2, 2, 2);
        var y = Doubles(Run1("MeanVarianceNormalization", [x], [A("axes", [0L, 2L])], opset: 13));
        // channel 0: 1,2,6,8 mean 4.25; channel 1: 3,4,10,12 mean 7.25
        double s0 = Math.Sqrt(new[] { 1, 2, 6, 8 }.Average(v => (v - 4.25) * (v - 4.25)));
        double s1 = Math.Sqrt(new[] { 3, 4, 10, 12 }.Average(v => (v - 7.25) * (v - 7.25)));
        Close([(1 - 4.25) / s0, (2 - 4.25) / s0, (3 - 7.25) / s1, (4 - 7.25) / s1, (6 - 4.25) / s0, (8 - 4.25) / s0, (10 - 7.25) / s1, (12 - 7.25) / s1],
            y, rtol: 1e-5);
    }

    [Fact]
    public void LrnDividesByTheWindowedSumOfSquares()
    {
        var x = F([1, 2, 3], 1, 3);
        var y = Doubles(Run1("LRN", [x], [A("size", 3L), A("alpha", 3f), A("beta", 1f), A("bias", 1f)], opset: 13));
        // window of channel 0: {0,1}; 1: {0,1,2}; 2: {1,2}; alpha / size = 1
        Close([1 / (1 + 1 + 4.0), 2 / (1 + 1 + 4 + 9.0), 3 / (1 + 4 + 9.0)], y, rtol: 1e-6);
    }
}
