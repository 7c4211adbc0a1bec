using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Graph.Text;

namespace Strata.Runtime.Tests;

public sealed class SessionTests
{
    public static TheoryData<ExecutionLevel> Levels() => [ExecutionLevel.Graph, ExecutionLevel.Block, ExecutionLevel.Machine, ExecutionLevel.Native];

    private static void AssertMatches(IReadOnlyDictionary<string, RuntimeValue?> expected, IReadOnlyDictionary<string, RuntimeValue?> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
            Assert.True(ValueComparer.Default.Compare(actual[name], e!) is not { } why, $"output {name}: {ValueComparer.Default.Compare(actual[name], e!)}");
    }

    private static void AssertIdentical(IReadOnlyDictionary<string, RuntimeValue?> a, IReadOnlyDictionary<string, RuntimeValue?> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, x) in a)
            Assert.Equal(((Tensor)x!).ToArray(), ((Tensor)b[name]!).ToArray());
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MlpMatchesTheReference_AndRepeatedRunsAgree(ExecutionLevel level)
    {
        var graph = SmallGraphs.Mlp();
        var before = GraphPrinter.Print(graph);
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = level, Threads = 2 });
        var x = SmallGraphs.Random(7, 3, 8);
        var expected = SmallGraphs.Reference(graph, new Dictionary<string, RuntimeValue> { ["x"] = x });
        var first = session.Run(("x", x));
        AssertMatches(expected, first);
        if (level != ExecutionLevel.Graph) Assert.All(session.Stats!.Kernels, k => Assert.Equal(level, k.Level));
        // The arena keeps the first run's data: a kernel that relied on zeroed memory would differ now.
        AssertIdentical(first, session.Run(("x", x)));
        Assert.NotSame(first["y"], session.Run(("x", x))["y"]);
        Assert.Equal(before, GraphPrinter.Print(graph));
    }

    [Fact]
    public void InputsAndOutputsDescribeTheModel()
    {
        using var session = InferenceSession.Create(SmallGraphs.Mlp());
        var x = Assert.Single(session.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal(DataType.Float32, x.ElementType);
        Assert.Equal("[N,8]", x.Shape!.ToString());
        Assert.Equal(["y", "h2"], session.Outputs.Select(o => o.Name));
        Assert.Empty(session.Programs);
    }

    [Fact]
    public void EachShapeSignatureCompilesOnce()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = ExecutionLevel.Block });
        foreach (int n in new[] { 3, 5, 3, 1, 5 })
        {
            var x = SmallGraphs.Random(n, n, 8);
            AssertMatches(SmallGraphs.Reference(graph, new Dictionary<string, RuntimeValue> { ["x"] = x }), session.Run(("x", x)));
        }
        Assert.Equal(3, session.Programs.Count);
        Assert.Equal([3, 5, 1], session.Programs.Select(p => p.Graph.Inputs[0].TensorType!.Shape!.ToConcrete()![0]));
    }

    [Fact]
    public void InputShapesBindAtCreation_CompileEagerly_AndRejectOtherShapes()
    {
        using var session = InferenceSession.Create(SmallGraphs.TwoInputs(),
            new SessionOptions { Level = ExecutionLevel.Block, InputShapes = new Dictionary<string, int[]> { ["a"] = [4, 5] } });
        Assert.Equal("[4,5]", session.Inputs[0].Shape!.ToString());
        Assert.Equal("[4,5]", session.Inputs[1].Shape!.ToString()); // b shares the symbol B
        Assert.Single(session.Programs);
        session.Run(("a", SmallGraphs.Random(1, 4, 5)), ("b", SmallGraphs.Random(2, 4, 5)));
        Assert.Single(session.Programs);
        var e = Assert.Throws<StrataException>(() => session.Run(("a", SmallGraphs.Random(1, 3, 5)), ("b", SmallGraphs.Random(2, 3, 5))));
        Assert.Equal(ErrorCode.InputShapeMismatch, e.Code);
    }

    [Fact]
    public void InputShapesThatContradictTheModelAreRejected()
    {
        var e = Assert.Throws<StrataException>(() => InferenceSession.Create(SmallGraphs.TwoInputs(),
            new SessionOptions { InputShapes = new Dictionary<string, int[]> { ["a"] = [4, 6] } }));
        Assert.Equal(ErrorCode.InputShapeMismatch, e.Code);
        e = Assert.Throws<StrataException>(() => InferenceSession.Create(SmallGraphs.TwoInputs(),
            new SessionOptions { InputShapes = new Dictionary<string, int[]> { ["c"] = [4, 5] } }));
        Assert.Equal(ErrorCode.UnknownInput, e.Code);
    }

    public static TheoryData<string, ErrorCode> BadInputs() => new()
    {
        { "unknown name", ErrorCode.UnknownInput },
        { "missing", ErrorCode.MissingInput },
        { "wrong dtype", ErrorCode.InputTypeMismatch },
        { "wrong rank", ErrorCode.InputShapeMismatch },
        { "wrong static dim", ErrorCode.InputShapeMismatch },
        { "inconsistent symbol", ErrorCode.InputShapeMismatch },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputsGiveTheReferenceErrors(string bad, ErrorCode code)
    {
        var graph = SmallGraphs.TwoInputs();
        var inputs = Spoil(new Dictionary<string, RuntimeValue> { ["a"] = SmallGraphs.Random(1, 2, 5), ["b"] = SmallGraphs.Random(2, 2, 5) }, bad);
        var reference = Assert.Throws<StrataException>(() => InputBinding.Validate(graph, inputs));
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = ExecutionLevel.Block });
        var e = Assert.Throws<StrataException>(() => session.Run(inputs));
        Assert.Equal(code, e.Code);
        Assert.Equal(reference.Code, e.Code);
        Assert.Empty(session.Programs);
    }

    /// <summary>The inputs of <see cref="SmallGraphs.TwoInputs"/> made bad the way <see cref="BadInputs"/> names.</summary>
    private static Dictionary<string, RuntimeValue> Spoil(Dictionary<string, RuntimeValue> inputs, string bad)
    {
        switch (bad)
        {
            case "unknown name": inputs["c"] = SmallGraphs.Random(3, 2, 5); break;
            case "missing": inputs.Remove("b"); break;
            case "wrong dtype": inputs["b"] = new Tensor<double>([2, 5]); break;
            case "wrong rank": inputs["b"] = SmallGraphs.Random(2, 10); break;
            case "wrong static dim": inputs["b"] = SmallGraphs.Random(2, 2, 4); break;
            case "inconsistent symbol": inputs["b"] = SmallGraphs.Random(2, 3, 5); break;
        }
        return inputs;
    }

    /// <summary>After a good run, a run whose inputs match the last one's types skips validation: bad inputs must still
    /// be caught, with the reference's error, and must not spoil the next good run.</summary>
    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputsAfterAGoodRunGiveTheReferenceErrors(string bad, ErrorCode code)
    {
        var graph = SmallGraphs.TwoInputs();
        var good = new Dictionary<string, RuntimeValue> { ["a"] = SmallGraphs.Random(1, 2, 5), ["b"] = SmallGraphs.Random(2, 2, 5) };
        var inputs = Spoil(new Dictionary<string, RuntimeValue>(good), bad);
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = ExecutionLevel.Native });
        var first = session.Run(good);
        var outputs = first.ToDictionary(kv => kv.Key, kv => (Tensor)kv.Value!);
        Assert.Equal(code, Assert.Throws<StrataException>(() => session.Run(inputs)).Code);
        Assert.Equal(code, Assert.Throws<StrataException>(() => session.Run(inputs, outputs)).Code);
        AssertMatches(SmallGraphs.Reference(graph, good), session.Run(good));
        Assert.Single(session.Programs);
    }

    [Fact]
    public void AnInputNamedOnlyUnderTheDictionarysComparerIsUnknown_AfterAGoodRunToo()
    {
        var graph = SmallGraphs.TwoInputs();
        using var session = InferenceSession.Create(graph);
        session.Run(new Dictionary<string, RuntimeValue> { ["a"] = SmallGraphs.Random(1, 2, 5), ["b"] = SmallGraphs.Random(2, 2, 5) });
        var ignoringCase = new Dictionary<string, RuntimeValue>(StringComparer.OrdinalIgnoreCase) { ["A"] = SmallGraphs.Random(1, 2, 5), ["b"] = SmallGraphs.Random(2, 2, 5) };
        Assert.Equal(ErrorCode.UnknownInput, Assert.Throws<StrataException>(() => session.Run(ignoringCase)).Code);
    }

    [Fact]
    public void AnInputGivenTwiceIsAnError()
    {
        using var session = InferenceSession.Create(SmallGraphs.Mlp());
        var x = SmallGraphs.Random(1, 2, 8);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => session.Run(("x", x), ("x", x))).Code);
    }

    [Theory]
    [InlineData(ExecutionLevel.Block)]
    [InlineData(ExecutionLevel.Machine)]
    [InlineData(ExecutionLevel.Native)]
    public void FallbackStepsExchangeValuesWithKernelsThroughTheArena(ExecutionLevel level)
    {
        var graph = SmallGraphs.WithFallback();
        var options = new SessionOptions { Level = level, Registry = SmallGraphs.TanhFallbackRegistry() };
        using var session = InferenceSession.Create(graph, options);
        var x = SmallGraphs.Random(5, 3, 7);
        AssertMatches(SmallGraphs.Reference(graph, new Dictionary<string, RuntimeValue> { ["x"] = x }), session.Run(("x", x)));
        var stats = session.Stats!;
        var fallback = Assert.Single(stats.Fallbacks);
        Assert.Equal("Tanh", fallback.OpKey);
        Assert.Contains("test: Tanh runs as a fallback", fallback.Reason);
        Assert.Equal(2, stats.Kernels.Length);
        // relu·3 (kernel → fallback) and tanh (fallback → kernel) are the intermediates; they are live together at the Tanh step.
        Assert.Equal(2 * 3 * 7 * 4, stats.IntermediateBytes);
        Assert.Equal(2 * MemoryPlan.Align(3 * 7 * 4), stats.ArenaBytes);
    }

    [Fact]
    public void FourThreadsRunningConcurrentlyGetTheSequentialResults()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Threads = 4 });
        var inputs = Enumerable.Range(0, 8).Select(i => SmallGraphs.Random(100 + i, 2 + i % 3, 8)).ToArray();
        var sequential = inputs.Select(x => session.Run(("x", x))).ToArray();
        var concurrent = new IReadOnlyDictionary<string, RuntimeValue?>[4, 10];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int r = 0; r < 10; r++) concurrent[t, r] = session.Run(("x", inputs[(t + r) % inputs.Length]));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int t = 0; t < 4; t++)
            for (int r = 0; r < 10; r++)
                AssertIdentical(sequential[(t + r) % inputs.Length], concurrent[t, r]);
    }

    [Fact]
    public void SmallInputsSpecialisedAsConstantsArePartOfTheCacheKey()
    {
        var g = new GraphBuilder("reshape");
        var x = g.Input("x", DataType.Float32, 4, 6);
        var shape = g.Input("shape", DataType.Int64, 2);
        g.Output(g.Relu(g.Reshape(x, shape)) * 2f, "y");
        var graph = g.Build();
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = ExecutionLevel.Block, SpecializeSmallInputs = 16 });
        var data = SmallGraphs.Random(1, 4, 6);
        foreach (var dims in new long[][] { [2, 12], [3, 8], [2, 12] })
        {
            var inputs = new Dictionary<string, RuntimeValue> { ["x"] = data, ["shape"] = Tensor<long>.FromArray(dims, 2) };
            AssertMatches(SmallGraphs.Reference(graph, inputs), session.Run(inputs));
        }
        Assert.Equal(2, session.Programs.Count);
        Assert.All(session.Programs, p => Assert.Empty(p.Stats.Fallbacks));
    }

    [Fact]
    public void StatsDescribeTheCompiledProgram()
    {
        using var session = InferenceSession.Create(SmallGraphs.Mlp(), new SessionOptions { Level = ExecutionLevel.Block });
        session.Run(("x", SmallGraphs.Random(1, 2, 8)));
        var stats = session.Stats!;
        Assert.Equal(ExecutionLevel.Block, stats.Level);
        Assert.NotEmpty(stats.Kernels);
        Assert.All(stats.Kernels, k => Assert.Equal(ExecutionLevel.Block, k.Level));
        Assert.All(stats.Kernels, k => Assert.Null(k.Reason));
        Assert.True(stats.ArenaBytes <= stats.IntermediateBytes + 64 * session.Plan!.Placements.Length);
        Assert.Contains("kernels", stats.SummaryLine);
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Equal(ErrorCode.InvalidArgument,
            Assert.Throws<StrataException>(() => InferenceSession.Create(SmallGraphs.Mlp(), new SessionOptions { Threads = -1 })).Code);
    }

    [Fact]
    public void ADisposedSessionRefusesToRun()
    {
        var session = InferenceSession.Create(SmallGraphs.Mlp(), new SessionOptions { Level = ExecutionLevel.Block });
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(("x", SmallGraphs.Random(1, 2, 8))));
    }
}
