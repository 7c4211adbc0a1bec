using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Strata.Block.Compilation;
using Strata.Block.Tests.Lowering;
using Strata.Conformance;
using Strata.Conformance.Checking;
using Strata.Core;
using Xunit.Abstractions;

namespace Strata.Block.Tests.Passes;

/// <summary><c>strata check</c> over the conformance models of the core inference ops, on each test's real inputs: every
/// kernel runs at every stage (Tile after fusion and each Tile pass, Block after lowering and each Block pass). The
/// passes must never be where a kernel first diverges: a kernel either agrees at every stage or already differs from
/// the reference right after fusion or right after lowering (those are reported, and belong to the lowerings).</summary>
public sealed class ConformanceCheckTests(ITestOutputHelper output)
{
    private static string NodeDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../../shared/conformance/onnx/node"));

    /// <summary>Runs the checker on each test's graph and inputs and keeps the report; returns nothing to compare.</summary>
    private sealed class CheckingExecutor : IConformanceExecutor
    {
        public readonly ConcurrentDictionary<string, CheckReport> Reports = new();

        public string Name => "check";

        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            var options = CheckOptions.Default with { Compiler = CompilerOptions.Default with { SpecializeSmallInputs = 16 } };
            Reports[graph.Name] = new ModelChecker(options).Check(graph, inputs);
            return new Dictionary<string, RuntimeValue?>();
        }
    }

    [Fact]
    public void NoPassIsWhereACoreOpKernelFirstDiverges()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var tests = ConformanceRunner.Discover(dir).Where(t => ConformanceKernelTests.CoreOps.Contains(t.Op)).ToList();
        var executor = new CheckingExecutor();
        new ConformanceRunner(executor).RunAll(tests); // results ignored: the executor returns no outputs

        var kernels = executor.Reports.Values.SelectMany(r => r.Kernels).ToList();
        var atPass = kernels.Where(k => k.FirstDivergence is { } d && d.Pass is not (KernelStage.Fusion or KernelStage.Lower)).ToList();
        var atLowering = kernels.Where(k => k.FirstDivergence is { Pass: KernelStage.Fusion or KernelStage.Lower }).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{tests.Count} core-op tests, {executor.Reports.Count} checked (the others' reference run failed), {kernels.Count} kernels: " +
                      $"{kernels.Count(k => k.Agrees)} ok at every stage, {atLowering.Count} differ from the reference already after fusion or lowering, " +
                      $"{atPass.Count} first diverge at a pass");
        foreach (var k in atPass.Concat(atLowering)) sb.AppendLine("  " + k);
        output.WriteLine(sb.ToString());
        Assert.True(atPass.Count == 0, sb.ToString());
        Assert.True(kernels.Count(k => k.Agrees) >= 300, sb.ToString());
    }
}
