using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Signal;

public class SignalTests
{
    /// <summary>The DFT of one complex line from the definition, with System.Numerics.Complex.</summary>
    private static System.Numerics.Complex[] Naive(System.Numerics.Complex[] x, int n, bool inverse)
    {
        var y = new System.Numerics.Complex[n];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < Math.Min(n, x.Length); j++)
                y[k] += x[j] * System.Numerics.Complex.FromPolarCoordinates(1, (inverse ? 2 : -2) * Math.PI * k * j / n);
            if (inverse) y[k] /= n;
        }
        return y;
    }

    [Fact]
    public void DftMatchesTheDefinitionOnRandomSignals()
    {
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 3], Gen.Int[1, 12], Gen.Bool).Sample((length, other, n, inverse) =>
        {
            var data = Enumerable.Range(0, length * other * 2).Select(i => (float)Math.Sin(i * 1.7)).ToArray();
            var x = T(data, 1, length, other, 2);
            var y = (Tensor<float>)RunNode("DFT", [x, S((long)n), S(1L)], attributes: [Attribute.Of("inverse", inverse ? 1L : 0L)])[0]!;
            Assert.Equal([1, n, other, 2], y.Shape);
            for (int o = 0; o < other; o++)
            {
                var line = Enumerable.Range(0, length).Select(j => new System.Numerics.Complex(data[(j * other + o) * 2], data[(j * other + o) * 2 + 1])).ToArray();
                var expected = Naive(line, n, inverse);
                for (int k = 0; k < n; k++)
                {
                    Assert.Equal(expected[k].Real, y.At(0, k, o, 0), 4);
                    Assert.Equal(expected[k].Imaginary, y.At(0, k, o, 1), 4);
                }
            }
        }, iter: 30);
    }

    [Fact]
    public void RfftThenIrfftGivesTheSignalBack()
    {
        var x = T([1f, -2, 3, 0.5f, 4, -1], 1, 6, 1);
        var spectrum = (Tensor<float>)RunNode("DFT", [x, null, S(1L)], attributes: [Attribute.Of("onesided", 1L)])[0]!;
        Assert.Equal([1, 4, 2], spectrum.Shape);
        var back = (Tensor<float>)RunNode("DFT", [spectrum, null, S(1L)], attributes: [Attribute.Of("onesided", 1L), Attribute.Of("inverse", 1L)])[0]!;
        Assert.Equal([1, 6, 1], back.Shape);
        AssertClose(D(x), D(back));
    }

    [Fact]
    public void Opset17TakesTheAxisAsAnAttribute()
    {
        var x = T([1f, 2, 3, 4], 1, 4, 1);
        var y = (Tensor<float>)RunNode("DFT", [x], opset: 17, attributes: [Attribute.Of("axis", 1L)])[0]!;
        AssertClose([10, 0, -2, 2, -2, 0, -2, -2], D(y));
    }

    [Fact]
    public void StftFramesAndWindows()
    {
        var signal = T(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), 1, 10, 1);
        var window = T([0f, 1, 1, 0], 4);
        var y = (Tensor<float>)RunNode("STFT", [signal, S(3L), window])[0]!;
        // Frames start at 0, 3, 6; bins 0..2.
        Assert.Equal([1, 3, 3, 2], y.Shape);
        // Frame 1 is [3,4,5,6] windowed to [0,4,5,0]: bin 0 = 9, bin 2 = 0 - 4 + 5 - 0 = 1.
        Assert.Equal(9f, y.At(0, 1, 0, 0), 4);
        Assert.Equal(1f, y.At(0, 1, 2, 0), 4);
    }

    [Fact]
    public void WindowsHaveTheirClosedForms()
    {
        AssertClose([0, 0.5, 1, 0.5], D(Run("HannWindow", S(4))));
        AssertClose([0, 1, 0], D(RunNode("HannWindow", [S(3)], attributes: [Attribute.Of("periodic", 0L)])[0]));
        var hamming = D(Run("HammingWindow", S(4L)));
        AssertClose([4.0 / 46, 25.0 / 46, 1, 25.0 / 46], hamming);
        AssertClose([0, 0.34, 1, 0.34, 0], D(RunNode("BlackmanWindow", [S(5)], attributes: [Attribute.Of("periodic", 0L)])[0]));
        var asDouble = RunNode("HannWindow", [S(2)], attributes: [Attribute.Of("output_datatype", (long)DataType.Float64)])[0]!;
        Assert.Equal(DataType.Float64, ((Tensor)asDouble).DataType);
    }

    [Fact]
    public void MelWeightMatrixHasUnitPeaks()
    {
        var m = (Tensor<float>)Run("MelWeightMatrix", S(8), S(16), S(8192), S(0f), S(4096f));
        Assert.Equal([9, 8], m.Shape);
        for (int band = 0; band < 8; band++)
        {
            float peak = 0;
            for (int bin = 0; bin < 9; bin++) peak = Math.Max(peak, m.At(bin, band));
            Assert.Equal(1f, peak);
        }
    }
}
