using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Cli.Tests.Check;

/// <summary>Models for the check tests, built with the graph builder.</summary>
public static class CheckModels
{
    /// <summary>softmax(relu(x·W1 + b1)·W2) with x: f32[5,6] — fusion makes two kernels: mlp.k0 = MatMul+Add+Relu,
    /// mlp.k1 = MatMul+Softmax.</summary>
    public static Graph.Graph MlpSoftmax(int seed = 0, Dim? batch = null)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("mlp", opset: 18);
        var x = g.Input("x", DataType.Float32, batch ?? 5, 6);
        var w1 = g.Constant("W1", Random(random, 6, 7));
        var b1 = g.Constant("b1", Random(random, 7));
        var w2 = g.Constant("W2", Random(random, 7, 3));
        var h = g.Relu(g.MatMul(x, w1) + b1);
        g.Output(g.Softmax(g.MatMul(h, w2), axis: -1), "y");
        return g.Build();
    }

    /// <summary>conv3x3(relu(x), pads 1) + b with x: f32[1,4,6,6]: with pre-padding on, a graph pass gives the conv a
    /// padded copy of its input, a value the model as given does not have.</summary>
    public static Graph.Graph PaddedConv(int seed = 0)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("pc", opset: 18);
        var x = g.Input("x", DataType.Float32, 1, 4, 6, 6);
        var w = g.Constant("W", Random(random, 4, 4, 3, 3));
        var b = g.Constant("b", Random(random, 4));
        g.Output(g.Conv(g.Relu(x), w, b, pads: [1, 1, 1, 1]), "y");
        return g.Build();
    }

    /// <summary>A stride-2 5×5 conv with pads 2 (a small stem) on x: f32[1,3,14,14]: pre-padded, its padded input
    /// (width 18) is what <c>SplitColumnParity</c> stores split by column parity.</summary>
    public static Graph.Graph StridedConv(int seed = 0)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("sc", opset: 18);
        var x = g.Input("x", DataType.Float32, 1, 3, 14, 14);
        var w = g.Constant("W", Random(random, 8, 3, 5, 5));
        var b = g.Constant("b", Random(random, 8));
        g.Output(g.Relu(g.Conv(x, w, b, strides: [2, 2], pads: [2, 2, 2, 2])), "y");
        return g.Build();
    }

    /// <summary>Three residual blocks on x: f32[1,8,7,7], <c>r' = relu(conv1x1(relu(conv3x3(r))) + r)</c>: the first two
    /// blocks' kernels write their outputs over their dying residuals (the last one writes the graph output).</summary>
    public static Graph.Graph ResidualBlocks(int seed = 0)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("res", opset: 18);
        var x = g.Input("x", DataType.Float32, 1, 8, 7, 7);
        var r = g.Relu(g.Conv(x, g.Constant("W0", Random(random, 8, 8, 1, 1))));
        for (int b = 0; b < 3; b++)
        {
            var h = g.Relu(g.Conv(r, g.Constant($"A{b}", Random(random, 8, 8, 3, 3)), pads: [1, 1, 1, 1]));
            r = g.Relu(g.Conv(h, g.Constant($"B{b}", Random(random, 8, 8, 1, 1))) + r);
        }
        g.Output(r * 0.5f, "y");
        return g.Build();
    }

    public static Dictionary<string, RuntimeValue> StridedConvInputs(int seed = 1) => new() { ["x"] = Random(new Random(seed), 1, 3, 14, 14) };

    public static Dictionary<string, RuntimeValue> ConvInputs(int seed = 1) => new() { ["x"] = Random(new Random(seed), 1, 4, 6, 6) };

    public static Dictionary<string, RuntimeValue> Inputs(int seed = 1) => new() { ["x"] = Random(new Random(seed), 5, 6) };

    public static Tensor<float> Random(Random random, params int[] shape)
    {
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return new Tensor<float>(data, shape);
    }
}
