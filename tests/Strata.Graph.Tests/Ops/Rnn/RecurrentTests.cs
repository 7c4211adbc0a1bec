using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Rnn;

/// <summary>RNN, GRU and LSTM against scalar (hidden size 1, input size 1) computations written out by hand.</summary>
public class RecurrentTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void LstmWithPeepholesMatchesAHandComputation()
    {
        double[] x = [0.5, -1.0];
        // Gate order i, o, f, c.
        double[] w = [0.1, 0.2, 0.3, 0.4], r = [0.5, -0.6, 0.7, -0.8], bw = [0.01, 0.02, 0.03, 0.04], br = [0.05, 0.06, 0.07, 0.08];
        double[] p = [0.9, -0.3, 0.2]; // i, o, f
        double h = 0.1, c = -0.2;
        var ys = new List<double>();
        foreach (var xt in x)
        {
            double i = Sigmoid(w[0] * xt + r[0] * h + bw[0] + br[0] + p[0] * c);
            double f = Sigmoid(w[2] * xt + r[2] * h + bw[2] + br[2] + p[2] * c);
            double g = Math.Tanh(w[3] * xt + r[3] * h + bw[3] + br[3]);
            c = f * c + i * g;
            double o = Sigmoid(w[1] * xt + r[1] * h + bw[1] + br[1] + p[1] * c);
            h = o * Math.Tanh(c);
            ys.Add(h);
        }
        var outs = RunNode("LSTM",
        [
            T(x.Select(v => (float)v).ToArray(), 2, 1, 1), T(w.Select(v => (float)v).ToArray(), 1, 4, 1),
            T(r.Select(v => (float)v).ToArray(), 1, 4, 1), T(bw.Concat(br).Select(v => (float)v).ToArray(), 1, 8),
            null, T([0.1f], 1, 1, 1), T([-0.2f], 1, 1, 1), T(p.Select(v => (float)v).ToArray(), 1, 3),
        ], outputs: 3, attributes: [Attribute.Of("hidden_size", 1L)]);
        AssertClose(ys.ToArray(), D(outs[0]));
        Assert.Equal([2, 1, 1, 1], ((Tensor)outs[0]!).Shape);
        AssertClose([h], D(outs[1]));
        AssertClose([c], D(outs[2]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GruMatchesAHandComputation(bool linearBeforeReset)
    {
        double[] x = [1.0, 0.25, -0.5];
        // Gate order z, r, h.
        double[] w = [0.3, -0.2, 0.6], r = [0.4, 0.5, -0.7], bw = [0.1, 0.0, -0.1], br = [0.02, 0.03, 0.2];
        double h = 0;
        var ys = new List<double>();
        foreach (var xt in x)
        {
            double z = Sigmoid(w[0] * xt + r[0] * h + bw[0] + br[0]);
            double rr = Sigmoid(w[1] * xt + r[1] * h + bw[1] + br[1]);
            double cand = linearBeforeReset
                ? Math.Tanh(w[2] * xt + rr * (r[2] * h + br[2]) + bw[2])
                : Math.Tanh(w[2] * xt + r[2] * (rr * h) + br[2] + bw[2]);
            h = (1 - z) * cand + z * h;
            ys.Add(h);
        }
        var outs = RunNode("GRU",
        [
            T(x.Select(v => (float)v).ToArray(), 3, 1, 1), T(w.Select(v => (float)v).ToArray(), 1, 3, 1),
            T(r.Select(v => (float)v).ToArray(), 1, 3, 1), T(bw.Concat(br).Select(v => (float)v).ToArray(), 1, 6),
        ], outputs: 2, attributes: [Attribute.Of("linear_before_reset", linearBeforeReset ? 1L : 0L)]);
        AssertClose(ys.ToArray(), D(outs[0]));
        AssertClose([h], D(outs[1]));
    }

    /// <summary>Bidirectional RNN, batch 2 with lengths 3 and 1: h_t = tanh(w x + r h + b) per direction.</summary>
    [Fact]
    public void BidirectionalRnnRespectsSequenceLengths()
    {
        float[] x = [1, 2, 3, 4, 5, 6]; // [seq 3, batch 2, input 1]
        double[] w = [0.5, -0.4], r = [0.3, 0.2], b = [0.1, -0.1]; // per direction; recurrence bias 0
        int[] lengths = [3, 1];
        var y = new double[3 * 2 * 2];
        var yh = new double[2 * 2];
        for (int d = 0; d < 2; d++)
            for (int n = 0; n < 2; n++)
            {
                double h = 0;
                for (int s = 0; s < lengths[n]; s++)
                {
                    int t = d == 0 ? s : lengths[n] - 1 - s;
                    h = Math.Tanh(w[d] * x[t * 2 + n] + r[d] * h + b[d]);
                    y[(t * 2 + d) * 2 + n] = h;
                }
                yh[d * 2 + n] = h;
            }
        var outs = RunNode("RNN",
        [
            T(x, 3, 2, 1), T([0.5f, -0.4f], 2, 1, 1), T([0.3f, 0.2f], 2, 1, 1), T([0.1f, 0f, -0.1f, 0f], 2, 2), T([3, 1], 2),
        ], outputs: 2, attributes: [Attribute.Of("direction", "bidirectional")]);
        Assert.Equal([3, 2, 2, 1], ((Tensor)outs[0]!).Shape);
        AssertClose(y, D(outs[0]));
        AssertClose(yh, D(outs[1]));

        // layout 1 is the same computation with batch first.
        var xBatchFirst = new float[6];
        for (int t = 0; t < 3; t++) for (int n = 0; n < 2; n++) xBatchFirst[n * 3 + t] = x[t * 2 + n];
        var outs1 = RunNode("RNN",
        [
            T(xBatchFirst, 2, 3, 1), T([0.5f, -0.4f], 2, 1, 1), T([0.3f, 0.2f], 2, 1, 1), T([0.1f, 0f, -0.1f, 0f], 2, 2), T([3, 1], 2),
        ], outputs: 2, attributes: [Attribute.Of("direction", "bidirectional"), Attribute.Of("layout", 1L)]);
        var y1 = (Tensor<float>)outs1[0]!;
        Assert.Equal([2, 3, 2, 1], y1.Shape);
        for (int t = 0; t < 3; t++)
            for (int d = 0; d < 2; d++)
                for (int n = 0; n < 2; n++)
                    Assert.Equal(y[(t * 2 + d) * 2 + n], y1.At(n, t, d, 0), 5);
        var yh1 = (Tensor<float>)outs1[1]!;
        Assert.Equal([2, 2, 1], yh1.Shape);
        Assert.Equal(yh[1 * 2 + 0], yh1.At(0, 1, 0), 5);
    }

    [Fact]
    public void ActivationsAttributeReplacesTheDefaults()
    {
        // Relu instead of Tanh: h = relu(2x - 1).
        var outs = RunNode("RNN", [T([1f, -1f], 2, 1, 1), T([2f], 1, 1, 1), T([0f], 1, 1, 1), T([-1f, 0f], 1, 2)],
            attributes: [Attribute.Of("activations", new[] { "Relu" })]);
        AssertClose([1, 0], D(outs[0]));
    }

    [Fact]
    public void MismatchedWeightsAreAnError()
    {
        var e = Assert.Throws<StrataException>(() => RunNode("GRU", [T([1f], 1, 1, 1), T([1f, 1f], 1, 2, 1), T([1f], 1, 1, 1)]));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }

    [Fact]
    public void InfersOutputShapes()
    {
        var types = InferNode("LSTM", [Type(DataType.Float32, 5, 3, 2), Type(DataType.Float32, 2, 16, 2), Type(DataType.Float32, 2, 16, 4)],
            outputs: 3, attributes: [Attribute.Of("direction", "bidirectional")]);
        Assert.Equal(Type(DataType.Float32, 5, 2, 3, 4), types[0]);
        Assert.Equal(Type(DataType.Float32, 2, 3, 4), types[1]);
        Assert.Equal(Type(DataType.Float32, 2, 3, 4), types[2]);
    }
}
