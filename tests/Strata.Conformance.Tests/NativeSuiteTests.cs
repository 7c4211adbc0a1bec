using System.Collections.Concurrent;
using System.Text;
using Strata.Core;
using Strata.Runtime;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at native level (<see cref="NativeExecutor"/>: InferenceSession on this
/// machine, kernels compiled by the clr backend): every test must pass or be listed in expected-failures.tsv,
/// .tile.tsv, .block.tsv, .machine.tsv (native code runs the Machine level's kernels) or .native.tsv (with a reason);
/// no test listed for native only may pass. Kernels that did not run natively (a backend refusal, a failed lowering)
/// are listed in the output with their reasons.</summary>
public sealed class NativeSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void NativeLevelSuite_HasNoUnexpectedResults()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var testsDir = Path.GetDirectoryName(SuiteLocation.ExpectedFailuresFile())!;
        var nativeOnly = ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.native.tsv"));
        var expected = ExpectedFailures.Combine([
            ExpectedFailures.ForLevel(testsDir, "tile"),
            ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.block.tsv")),
            ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.machine.tsv")),
            nativeOnly]);
        var kernels = new ConcurrentBag<(string Test, KernelReport Kernel)>();
        var executor = new NativeExecutor(TargetCatalog.Host) { OnCompiled = (test, stats) => { foreach (var k in stats.Kernels) kernels.Add((test, k)); } };
        var report = new ConformanceRunner(executor).RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stalePasses = passes.Where(p => nativeOnly.Contains(p.Name)).ToList();

        output.WriteLine($"conformance at native level ({TargetCatalog.Host.Name}, {nodeDir}): {report.SummaryLine}; {report.Failed - failures.Count} expected failures");
        var byLevel = kernels.GroupBy(k => k.Kernel.Level).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        output.WriteLine($"kernels: {kernels.Count} ({string.Join(", ", byLevel)})");
        foreach (var (test, k) in kernels.Where(k => k.Kernel.Reason is not null).OrderBy(k => k.Test, StringComparer.Ordinal).ThenBy(k => k.Kernel.Name, StringComparer.Ordinal))
            output.WriteLine($"  {test} @{k.Name}: {k.Level.ToString().ToLowerInvariant()} ({k.Reason})");

        var message = new StringBuilder();
        if (failures.Count > 0)
        {
            message.AppendLine($"{failures.Count} tests failed at native level that are in no expected-failures list:");
            foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        }
        if (stalePasses.Count > 0)
        {
            message.AppendLine($"{stalePasses.Count} tests listed in expected-failures.native.tsv pass (remove them from the list):");
            foreach (var p in stalePasses) message.AppendLine($"  XPASS {p.Name}");
        }
        foreach (var (name, reason) in nativeOnly.Reasons)
            if (reason.Length == 0) message.AppendLine($"expected-failures.native.tsv gives no reason for {name}");
        if (kernels.IsEmpty) message.AppendLine("no kernel was compiled, so nothing ran natively");
        else if (kernels.Count(k => k.Kernel.Level == ExecutionLevel.Native) < 0.98 * kernels.Count)
            message.AppendLine($"only {kernels.Count(k => k.Kernel.Level == ExecutionLevel.Native)} of {kernels.Count} kernels ran natively (under 98%)");
        Assert.True(message.Length == 0, message.ToString());
    }
}
