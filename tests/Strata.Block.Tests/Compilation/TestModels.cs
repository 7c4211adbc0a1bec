using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Block.Tests.Compilation;

/// <summary>Small models built with the graph builder for the compiler tests.</summary>
public static class TestModels
{
    /// <summary>softmax(relu(x·W1 + b1)·W2) with x: f32[5,6]: a MatMul+Add+Relu kernel and a MatMul+Softmax kernel.</summary>
    public static Graph.Graph MlpSoftmax(int seed = 0)
    {
        var random = new Random(seed);
        var g = new GraphBuilder("mlp", opset: 18);
        var x = g.Input("x", DataType.Float32, 5, 6);
        var w1 = g.Constant("W1", Random(random, 6, 7));
        var b1 = g.Constant("b1", Random(random, 7));
        var w2 = g.Constant("W2", Random(random, 7, 3));
        var h = g.Relu(g.MatMul(x, w1) + b1);
        g.Output(g.Softmax(g.MatMul(h, w2), axis: -1), "y");
        return g.Build();
    }

    public static Dictionary<string, RuntimeValue> Inputs(Graph.Graph graph, int seed = 1)
    {
        var random = new Random(seed);
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        foreach (var i in graph.Inputs)
        {
            var t = (TensorType)i.Type!;
            inputs[i.Name] = Random(random, [.. t.Shape!.Dims.Select(d => (int)d.Value!.Value)]);
        }
        return inputs;
    }

    public static Tensor<float> Random(Random random, params int[] shape)
    {
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return new Tensor<float>(data, shape);
    }
}
