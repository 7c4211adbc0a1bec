using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary><see cref="InferenceSession.Run(IReadOnlyDictionary{string, RuntimeValue}, IReadOnlyDictionary{string, Tensor}, RunProfile?)"/>:
/// outputs written into the caller's tensors, checked against the Graph interpreter.</summary>
public sealed class GivenOutputsTests
{
    private static Dictionary<string, RuntimeValue> X(Tensor x) => new() { ["x"] = x };

    private static Tensor<float> Garbage(params int[] shape)
    {
        var t = new Tensor<float>(shape);
        t.Span.Fill(float.NaN);
        return t;
    }

    private static void AssertMatches(IReadOnlyDictionary<string, RuntimeValue?> expected, IReadOnlyDictionary<string, RuntimeValue?> actual)
    {
        foreach (var (name, e) in expected)
            Assert.True(ValueComparer.Default.Compare(actual[name], e!) is null, $"output {name}: {ValueComparer.Default.Compare(actual[name], e!)}");
    }

    [Theory]
    [InlineData(ExecutionLevel.Block)]
    [InlineData(ExecutionLevel.Machine)]
    [InlineData(ExecutionLevel.Native)]
    public void KernelOutputsAreWrittenInPlace_WhateverTheTensorsHeld(ExecutionLevel level)
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = level, Threads = 2 });
        // Only y is given: h2 comes back in a fresh tensor, as from Run(inputs).
        var y = Garbage(5, 4);
        var given = new Dictionary<string, Tensor> { ["y"] = y };
        foreach (int seed in new[] { 11, 12 })
        {
            var x = SmallGraphs.Random(seed, 5, 8);
            var result = session.Run(X(x), given);
            Assert.Same(y, result["y"]);
            Assert.IsType<Tensor<float>>(result["h2"]);
            AssertMatches(SmallGraphs.Reference(graph, X(x)), result);
        }
    }

    [Fact]
    public void AnOutputAFallbackComputesIsCopiedIn()
    {
        var g = new GraphBuilder("tanh-out");
        var x = g.Input("x", DataType.Float32, 3, 7);
        g.Output(g.Tanh(x * 2f), "y");
        var graph = g.Build();
        var options = new SessionOptions { Level = ExecutionLevel.Native, Registry = SmallGraphs.TanhFallbackRegistry() };
        using var session = InferenceSession.Create(graph, options);
        var input = SmallGraphs.Random(3, 3, 7);
        var y = Garbage(3, 7);
        var result = session.Run(X(input), new Dictionary<string, Tensor> { ["y"] = y });
        Assert.Single(session.Stats!.Fallbacks);
        Assert.Same(y, result["y"]);
        AssertMatches(SmallGraphs.Reference(graph, X(input)), result);
    }

    [Fact]
    public void WrongShapesUnknownNamesAndAliasesAreRejected()
    {
        using var session = InferenceSession.Create(SmallGraphs.Mlp(), new SessionOptions { Level = ExecutionLevel.Native });
        var x = SmallGraphs.Random(1, 2, 8);
        var shape = Assert.Throws<StrataException>(() => session.Run(X(x), new Dictionary<string, Tensor> { ["y"] = Garbage(3, 4) }));
        Assert.Equal(ErrorCode.ShapeMismatch, shape.Code);
        Assert.Contains("f32[2,4]", shape.Message);
        var unknown = Assert.Throws<StrataException>(() => session.Run(X(x), new Dictionary<string, Tensor> { ["z"] = Garbage(2, 4) }));
        Assert.Equal(ErrorCode.InvalidArgument, unknown.Code);
        var twice = Garbage(2, 4);
        var alias = Assert.Throws<StrataException>(() => session.Run(X(x), new Dictionary<string, Tensor> { ["y"] = twice, ["h2"] = twice }));
        Assert.Equal(ErrorCode.InvalidArgument, alias.Code);
        Assert.Throws<StrataException>(() => session.Run(X(x), new Dictionary<string, Tensor> { ["y"] = x }));
    }
}
