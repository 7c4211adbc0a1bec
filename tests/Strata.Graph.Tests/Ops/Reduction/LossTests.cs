using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class LossTests
{
    private static readonly Gen<(int N, int C, int[] Spatial, float[] X, long[] Target, float[] Weight, int Mode)> Cases =
        from n in Gen.Int[1, 3]
        from c in Gen.Int[2, 4]
        from rest in Gen.Int[1, 3].Array[0, 2]
        let d = ShapeMath.Size(rest)
        from x in Gen.Float[-3f, 3f].Array[n * c * d]
        from target in Gen.Long[-1, c - 1].Array[n * d]
        from weight in Gen.Float[0.5f, 2f].Array[c]
        from mode in Gen.Int[0, 11]
        select (n, c, rest, x, target, weight, mode);

    /// <summary>Straight from the spec: loss[n, d] = -input[n, target[n, d], d] * weight[target], skipped where the
    /// target is ignore_index; mean divides by the summed weights of the positions not skipped.</summary>
    [Fact]
    public void LossesMatchTheirDefinitionForEveryReductionWeightAndIgnoreIndex()
    {
        Cases.Sample((n, c, rest, x, target, weight, mode) =>
        {
            string reduction = (mode % 3) switch { 0 => "none", 1 => "sum", _ => "mean" };
            bool useWeight = mode / 3 % 2 == 1, ignore = mode / 6 == 1;
            // Without ignore_index every target must be a class.
            var labels = ignore ? target : target.Select(t => Math.Max(t, 0)).ToArray();
            int d = ShapeMath.Size(rest);
            int[] xShape = [n, c, .. rest], tShape = [n, .. rest];
            var attrs = new List<Strata.Graph.Attribute> { A("reduction", reduction) };
            if (ignore) attrs.Add(A("ignore_index", -1L));

            double[] logProb = new double[x.Length];
            for (int b = 0; b < n; b++)
                for (int p = 0; p < d; p++)
                {
                    var col = Enumerable.Range(0, c).Select(k => (double)x[(b * c + k) * d + p]).ToArray();
                    double lse = Math.Log(col.Sum(Math.Exp));
                    for (int k = 0; k < c; k++) logProb[(b * c + k) * d + p] = col[k] - lse;
                }

            foreach (bool softmax in new[] { false, true })
            {
                var input = softmax ? x.Select(v => (double)v).ToArray() : logProb;
                var expected = new double[n * d];
                double wsum = 0;
                for (int b = 0; b < n; b++)
                    for (int p = 0; p < d; p++)
                    {
                        long t = labels[b * d + p];
                        if (ignore && t == -1) continue;
                        double w = useWeight ? weight[t] : 1;
                        expected[b * d + p] = -logProb[(b * c + t) * d + p] * w;
                        wsum += w;
                    }
                Tensor?[] inputs = [D(input, xShape), Of(labels, tShape), useWeight ? D(weight.Select(v => (double)v).ToArray(), c) : null];
                var outs = ReductionHarness.Run(softmax ? "SoftmaxCrossEntropyLoss" : "NegativeLogLikelihoodLoss", inputs, [.. attrs],
                    opset: 13, outputs: softmax ? 2 : 1);
                var loss = outs[0]!;
                if (reduction == "none")
                {
                    Assert.Equal(tShape, loss.Shape);
                    Close(expected, Doubles(loss), rtol: 1e-9, atol: 1e-12);
                }
                else
                {
                    Assert.Empty(loss.Shape);
                    double sum = expected.Sum();
                    Close([reduction == "sum" ? sum : sum / wsum], Doubles(loss), rtol: 1e-9, atol: 1e-12);
                }
                if (softmax) Close(logProb, Doubles(outs[1]!), rtol: 1e-9, atol: 1e-12);
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void TargetOutsideTheClassesIsAnError()
    {
        var e = Assert.Throws<StrataException>(() => Run1("NegativeLogLikelihoodLoss", [F([0, 0, 0, 0], 2, 2), Of<long>([0, 5], 2)], opset: 13));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
    }
}
