using System.Text;
using Strata.Core;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at machine level for each known target (<see cref="MachineExecutor"/>:
/// every kernel lowered to Machine for the target and emulated by the Machine interpreter, so targets this machine lacks
/// are checked too): every test must pass or be listed in expected-failures.tsv, .tile.tsv, .block.tsv or .machine.tsv;
/// no test listed for machine only may pass. (About 50 s per target in a Release build on 2 busy cores.)</summary>
public sealed class MachineSuiteTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("generic-v128")]
    [InlineData("scalar")]
    public void MachineLevelSuite_HasNoUnexpectedResults(string targetName)
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var testsDir = Path.GetDirectoryName(SuiteLocation.ExpectedFailuresFile())!;
        var machineOnly = ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.machine.tsv"));
        var expected = ExpectedFailures.Combine([
            ExpectedFailures.ForLevel(testsDir, "tile"),
            ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.block.tsv")),
            machineOnly]);
        var report = new ConformanceRunner(new MachineExecutor(Target.Get(targetName))).RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stalePasses = passes.Where(p => machineOnly.Contains(p.Name)).ToList();

        output.WriteLine($"conformance at machine level for {targetName} ({nodeDir}): {report.SummaryLine}; {report.Failed - failures.Count} expected failures");
        var message = new StringBuilder();
        if (failures.Count > 0)
        {
            message.AppendLine($"{failures.Count} tests failed at machine level for {targetName} that are in no expected-failures list:");
            foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        }
        if (stalePasses.Count > 0)
        {
            message.AppendLine($"{stalePasses.Count} tests listed in expected-failures.machine.tsv pass for {targetName} (remove them from the list):");
            foreach (var p in stalePasses) message.AppendLine($"  XPASS {p.Name}");
        }
        Assert.True(message.Length == 0, message.ToString());
    }
}
