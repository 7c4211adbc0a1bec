using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Cli.Demo;

/// <summary>Small models the project builds itself with the C# graph builder (no downloads).</summary>
public static class DemoModels
{
    /// <summary>A transformer MLP block with a classifier head:
    /// softmax(gelu(x·W1 + b1)·W2 + b2) with x: f32[batch, 64], hidden 256, 10 classes. Weights are seeded.</summary>
    public static Graph.Graph Mlp(int seed = 0, int features = 64, int hidden = 256, int classes = 10)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("mlp", opset: 18);
        var x = g.Input("x", DataType.Float32, Dim.Sym("batch"), features);
        var w1 = g.Constant("W1", Weights(random, features, hidden));
        var b1 = g.Constant("b1", Weights(random, hidden));
        var w2 = g.Constant("W2", Weights(random, hidden, classes));
        var b2 = g.Constant("b2", Weights(random, classes));
        var h = g.Gelu(g.MatMul(x, w1) + b1);
        var logits = g.MatMul(h, w2) + b2;
        g.Output(g.Softmax(logits, axis: -1), "probabilities");
        return g.Build();
    }

    /// <summary>Glorot-uniform weights.</summary>
    private static Tensor<float> Weights(Random random, params int[] shape)
    {
        int n = ShapeMath.Size(shape);
        float limit = MathF.Sqrt(6f / (shape[0] + shape[^1]));
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(random.NextDouble() * 2 - 1) * limit;
        return new Tensor<float>(data, shape);
    }
}
