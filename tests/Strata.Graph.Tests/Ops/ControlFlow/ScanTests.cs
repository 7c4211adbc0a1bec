using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.ControlFlow;

public class ScanTests
{
    /// <summary>Body: s_out = s + x_t; scan output = s_out (a running sum).</summary>
    private static Graph RunningSum(int width)
    {
        var body = new Graph("body");
        var s = new Value("s", Type(DataType.Float32, width));
        var x = new Value("x", Type(DataType.Float32, width));
        body.Inputs.AddRange([s, x]);
        var sOut = new Value("s_out", Type(DataType.Float32, width));
        var y = new Value("y", Type(DataType.Float32, width));
        body.Nodes.Add(TestNode("Add", [s, x], [sOut]));
        body.Nodes.Add(TestNode("Identity", [sOut], [y]));
        body.Outputs.AddRange([sOut, y]);
        return body;
    }

    /// <summary>The running sum over the rows of x [steps, width], written independently of Scan.</summary>
    private static (float[] Final, float[][] Steps) Expected(float[] x, int steps, int width, bool reverse)
    {
        var s = new float[width];
        var all = new float[steps][];
        for (int t = 0; t < steps; t++)
        {
            int row = reverse ? steps - 1 - t : t;
            for (int j = 0; j < width; j++) s[j] += x[row * width + j];
            all[t] = (float[])s.Clone();
        }
        return (s, all);
    }

    [Fact]
    public void RunningSumMatchesAnIndependentComputation()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 4], Gen.Bool, Gen.Bool)
            .Sample((steps, width, reverseIn, reverseOut) =>
            {
                var x = Enumerable.Range(0, steps * width).Select(i => (float)(i * 0.5 - 1)).ToArray();
                var r = RunNode("Scan", [T(new float[width], width), T(x, steps, width)], outputs: 2, attributes:
                [
                    Attribute.Of("body", RunningSum(width)), Attribute.Of("num_scan_inputs", 1L),
                    Attribute.Of("scan_input_directions", new[] { reverseIn ? 1L : 0 }),
                    Attribute.Of("scan_output_directions", new[] { reverseOut ? 1L : 0 }),
                    Attribute.Of("scan_output_axes", new[] { -1L }),
                ]);
                var (final, all) = Expected(x, steps, width, reverseIn);
                Assert.Equal(final, ((Tensor<float>)r[0]!).ToArray());
                var ys = (Tensor<float>)r[1]!;
                Assert.Equal([width, steps], ys.Shape); // stacked on the last axis
                for (int t = 0; t < steps; t++)
                    for (int j = 0; j < width; j++)
                        Assert.Equal(all[reverseOut ? steps - 1 - t : t][j], ys.At(j, t));
            }, iter: 40);
    }

    [Fact]
    public void ScanInputAxisPicksTheSlicedAxis()
    {
        // x [2, 3] scanned along axis 1: three slices of width 2.
        var x = T([1f, 2, 3, 10, 20, 30], 2, 3);
        var r = RunNode("Scan", [T(new float[2], 2), x], outputs: 2, attributes:
            [Attribute.Of("body", RunningSum(2)), Attribute.Of("num_scan_inputs", 1L), Attribute.Of("scan_input_axes", new[] { 1L })]);
        Assert.Equal([6f, 60f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([1f, 10, 3, 30, 6, 60], ((Tensor<float>)r[1]!).ToArray());
    }

    [Fact]
    public void Opset8RunsEachBatchEntryForItsOwnLength()
    {
        // batch 2, sequence 3, width 1; lengths 3 and 1; scan outputs are zero-padded.
        var x = T([1f, 2, 3, 10, 20, 30], 2, 3, 1);
        var r = RunNode("Scan", [T([3L, 1L], 2), T(new float[2], 2, 1), x], outputs: 2, opset: 8, attributes:
            [Attribute.Of("body", RunningSum(1)), Attribute.Of("num_scan_inputs", 1L)]);
        Assert.Equal([6f, 10f], ((Tensor<float>)r[0]!).ToArray());
        var ys = (Tensor<float>)r[1]!;
        Assert.Equal([2, 3, 1], ys.Shape);
        Assert.Equal([1f, 3, 6, 10, 0, 0], ys.ToArray());
    }

    [Fact]
    public void Opset8ReverseStartsAtTheLastValidStep()
    {
        var x = T([1f, 2, 3, 10, 20, 30], 2, 3, 1);
        var r = RunNode("Scan", [T([3L, 2L], 2), T(new float[2], 2, 1), x], outputs: 2, opset: 8, attributes:
            [Attribute.Of("body", RunningSum(1)), Attribute.Of("num_scan_inputs", 1L), Attribute.Of("directions", new[] { 1L })]);
        Assert.Equal([6f, 30f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([3f, 5, 6, 20, 30, 0], ((Tensor<float>)r[1]!).ToArray());
    }

    [Fact]
    public void InfersStackedOutputShapes()
    {
        var types = InferNode("Scan", [Type(DataType.Float32, 2), Type(DataType.Float32, 3, 2)], outputs: 2,
            attributes: [Attribute.Of("body", RunningSum(2)), Attribute.Of("num_scan_inputs", 1L)]);
        Assert.Equal(Type(DataType.Float32, 2), types[0]);
        Assert.Equal(Type(DataType.Float32, 3, 2), types[1]);
    }
}
