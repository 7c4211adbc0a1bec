using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;

namespace Strata.Tile.Tests;

/// <summary>Runs a one-node (or few-node) graph through the level-0 reference interpreter: the independent
/// meaning Tile kernels are compared against.</summary>
public static class Reference
{
    public static Tensor Run(Func<GraphBuilder, Var[], Var> build, params Tensor[] inputs)
    {
        var g = new GraphBuilder("ref", opset: 18);
        var vars = inputs.Select((t, i) => g.Input("x" + i, t.DataType, t.Shape.Select(d => (Dim)d).ToArray())).ToArray();
        g.Output(build(g, vars), "y");
        var graph = g.Build();
        var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) feeds["x" + i] = inputs[i];
        return (Tensor)new GraphInterpreter().Run(graph, feeds)["y"]!;
    }

    public static Tensor<float> RandomF32(Random r, params int[] shape)
    {
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(r.NextDouble() * 4 - 2);
        return Tensor<float>.FromArray(data, shape);
    }

    /// <summary>Small integers as floats, so ties occur.</summary>
    public static Tensor<float> RandomSmallF32(Random r, params int[] shape)
    {
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = r.Next(-3, 4);
        return Tensor<float>.FromArray(data, shape);
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape, actual.Shape);
        var e = TensorConvert.ToDoubles(expected);
        var a = TensorConvert.ToDoubles(actual);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }

    public static void AssertEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(TensorConvert.ToDoubles(expected), TensorConvert.ToDoubles(actual));
    }
}
