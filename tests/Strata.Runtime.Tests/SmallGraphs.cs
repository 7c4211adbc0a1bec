using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile;

namespace Strata.Runtime.Tests;

/// <summary>Small graphs for session tests, and their reference outputs (the Graph interpreter: independent of every
/// level below).</summary>
internal static class SmallGraphs
{
    public static Tensor<float> Random(int seed, params int[] shape)
    {
        var r = new Random(seed);
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = (float)(r.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>x[N,8] → MatMul+bias → Relu → MatMul → Softmax, plus a second output (the hidden layer); N symbolic.</summary>
    public static Graph.Graph Mlp()
    {
        var g = new GraphBuilder("mlp");
        var x = g.Input("x", DataType.Float32, Dim.Sym("N"), 8);
        var h = g.Relu(g.MatMul(x, g.Constant("w1", Random(1, 8, 16))) + g.Constant("b1", Random(2, 16)));
        var y = g.Softmax(g.MatMul(h, g.Constant("w2", Random(3, 16, 4))));
        g.Output(y, "y");
        g.Output(h * 2f, "h2");
        return g.Build();
    }

    /// <summary>Two inputs sharing a symbolic dim: (a + b) * a, and its sum over the last axis.</summary>
    public static Graph.Graph TwoInputs()
    {
        var g = new GraphBuilder("two");
        var a = g.Input("a", DataType.Float32, Dim.Sym("B"), 5);
        var b = g.Input("b", DataType.Float32, Dim.Sym("B"), 5);
        var s = (a + b) * a;
        g.Output(s, "s");
        g.Output(g.ReduceSum(s, [1]), "r");
        return g.Build();
    }

    /// <summary>A registry in which Tanh does not lower, so it runs as a fallback step between kernels.</summary>
    public static ExtensionRegistry TanhFallbackRegistry()
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        r.Load(new BuiltinTileLoweringsPlugin());
        r.AddLowering("", "Tanh", new TileLowering(c => c.Decline("test: Tanh runs as a fallback")), replace: true);
        return r;
    }

    /// <summary>Kernels before and after a fallback: relu(x) → tanh (fallback) → ·2 + x (reads the fallback's output).</summary>
    public static Graph.Graph WithFallback()
    {
        var g = new GraphBuilder("fallback");
        var x = g.Input("x", DataType.Float32, 3, 7);
        var t = g.Tanh(g.Relu(x) * 3f);
        g.Output(g.Exp(t * 2f + x), "y");
        return g.Build();
    }

    public static IReadOnlyDictionary<string, RuntimeValue?> Reference(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        new GraphInterpreter().Run(graph, inputs);
}
