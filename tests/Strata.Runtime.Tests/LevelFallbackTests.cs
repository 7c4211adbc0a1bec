using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Tile;

namespace Strata.Runtime.Tests;

/// <summary>A kernel that cannot run where asked runs one level up, with the reason in the stats — never a crash.</summary>
public sealed class LevelFallbackTests
{
    /// <summary>A test-only backend: refuses every kernel, or says it cannot run any target.</summary>
    private sealed class TestBackend(string name, bool canRun) : INativeBackend
    {
        public string Name => name;
        public bool CanRun(Target target) => canRun;
        public NativeKernel Compile(MachineKernel kernel, NativeCompileOptions options) =>
            throw new StrataException(ErrorCode.NotImplemented, $"test backend refuses @{kernel.Name}", "use another backend");
    }

    private static ExtensionRegistry RegistryWith(INativeBackend backend)
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        r.Load(new BuiltinTileLoweringsPlugin());
        r.Add(backend.Name, backend);
        return r;
    }

    private static void RunsLikeTheReference(InferenceSession session, Graph.Graph graph)
    {
        var x = SmallGraphs.Random(3, 3, 8);
        var expected = SmallGraphs.Reference(graph, new Dictionary<string, RuntimeValue> { ["x"] = x });
        var actual = session.Run(("x", x));
        foreach (var (name, e) in expected) Assert.Null(ValueComparer.Default.Compare(actual[name], e!));
    }

    [Theory]
    [InlineData(true, "test backend refuses")]
    [InlineData(false, "cannot run code for target")]
    public void KernelsTheBackendCannotRunAreEmulatedByTheMachineInterpreter(bool canRun, string reason)
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Backend = "test", Registry = RegistryWith(new TestBackend("test", canRun)) });
        RunsLikeTheReference(session, graph);
        var stats = session.Stats!;
        Assert.All(stats.Kernels, k => Assert.Equal(ExecutionLevel.Machine, k.Level));
        Assert.All(stats.Kernels, k => Assert.Contains(reason, k.Reason));
        Assert.Contains(reason, stats.Describe());
    }

    [Fact]
    public void AnUnknownBackendIsEmulatedWithTheReason()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Backend = "nonesuch" });
        RunsLikeTheReference(session, graph);
        Assert.All(session.Stats!.Kernels, k => Assert.Contains("no native backend named 'nonesuch'", k.Reason));
    }

    [Fact]
    public void TheNativeLevelRunsEveryKernelNatively()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph);
        RunsLikeTheReference(session, graph);
        Assert.All(session.Stats!.Kernels, k => Assert.Equal(ExecutionLevel.Native, k.Level));
        Assert.All(session.Stats!.Kernels, k => Assert.Null(k.Reason));
    }

    public static TheoryData<string> Targets() => [.. Target.Known.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void TheMachineLevelEmulatesEveryTarget(string target)
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Level = ExecutionLevel.Machine, Target = Target.Get(target) });
        RunsLikeTheReference(session, graph);
        Assert.All(session.Stats!.Kernels, k => Assert.Equal(ExecutionLevel.Machine, k.Level));
    }

    [Fact]
    public void CheckedNativeCodeRunsLikeUnchecked()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Checked = true });
        RunsLikeTheReference(session, graph);
        Assert.All(session.Stats!.Kernels, k => Assert.Equal(ExecutionLevel.Native, k.Level));
    }
}
