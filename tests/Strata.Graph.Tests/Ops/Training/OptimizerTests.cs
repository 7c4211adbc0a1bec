using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Training;

public class OptimizerTests
{
    private const string Training = "ai.onnx.preview.training";

    [Fact]
    public void AdagradStep()
    {
        // r = 0.1 / (1 + 2·0.5) = 0.05; G' = 0.5·1 + 2 = 2.5; H' = 1 + 6.25; X' = 1 - 0.05·2.5/(√7.25 + 1e-6).
        var outs = RunNode("Adagrad", [S(0.1f), S(2L), T([1f], 1), T([2f], 1), T([1f], 1)], outputs: 2, domain: Training, opset: 1,
            attributes: [Attribute.Of("decay_factor", 0.5f), Attribute.Of("norm_coefficient", 0.5f)]);
        AssertClose([1 - 0.05 * 2.5 / (Math.Sqrt(7.25) + 1e-6)], D(outs[0]));
        AssertClose([7.25], D(outs[1]));
    }

    [Fact]
    public void AdamStepWithBiasCorrection()
    {
        double alpha = 0.9, beta = 0.999, g = 0.5;
        double v = (1 - alpha) * g, h = (1 - beta) * g * g;
        double r = 0.01 * Math.Sqrt(1 - beta) / (1 - alpha);
        var outs = RunNode("Adam", [S(0.01f), S(1L), T([2f], 1), T([0.5f], 1), T([0f], 1), T([0f], 1)], outputs: 3, domain: Training, opset: 1);
        AssertClose([2 - r * v / (Math.Sqrt(h) + 1e-6)], D(outs[0]));
        AssertClose([v], D(outs[1]));
        AssertClose([h], D(outs[2]));
    }

    [Theory]
    [InlineData("standard", 0L, 1 - 0.1 * (0.9 * 1 + 1 * 2))]
    [InlineData("standard", 3L, 1 - 0.1 * (0.9 * 1 + 0.5 * 2))]
    [InlineData("nesterov", 3L, 1 - 0.1 * (2 + 0.9 * (0.9 * 1 + 0.5 * 2)))]
    public void MomentumStep(string mode, long t, double expected)
    {
        var outs = RunNode("Momentum", [S(0.1f), S(t), T([1f], 1), T([2f], 1), T([1f], 1)], outputs: 2, domain: Training, opset: 1,
            attributes: [Attribute.Of("alpha", 0.9f), Attribute.Of("beta", 0.5f), Attribute.Of("norm_coefficient", 0f), Attribute.Of("mode", mode)]);
        AssertClose([expected], D(outs[0]));
    }

    [Fact]
    public void UpdatesSeveralTensors()
    {
        var outs = RunNode("Adagrad", [S(1f), S(0L), T([1f], 1), T([1f, 1], 2), T([1f], 1), T([1f, 1], 2), T([0f], 1), T([0f, 0], 2)],
            outputs: 4, domain: Training, opset: 1);
        Assert.Equal([2], ((Tensor)outs[1]!).Shape);
        Assert.Equal([2], ((Tensor)outs[3]!).Shape);
    }
}
