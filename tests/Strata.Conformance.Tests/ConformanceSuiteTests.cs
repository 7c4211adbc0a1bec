using System.Text;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at graph level: every test must pass or be listed in
/// expected-failures.tsv, and no listed test may pass.</summary>
public sealed class ConformanceSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void GraphLevelSuite_HasNoUnexpectedResults()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var expected = ExpectedFailures.Load(SuiteLocation.ExpectedFailuresFile());
        var runner = new ConformanceRunner(new GraphExecutor());
        var report = runner.RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stale = expected.Reasons.Keys.Where(k => report.Results.All(r => r.Name != k)).ToList();

        output.WriteLine($"conformance ({nodeDir}): {report.SummaryLine}; {report.Failed - failures.Count} expected failures");
        var message = new StringBuilder();
        if (failures.Count > 0)
        {
            message.AppendLine($"{failures.Count} tests failed that are not in expected-failures.tsv:");
            foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        }
        if (passes.Count > 0)
        {
            message.AppendLine($"{passes.Count} tests in expected-failures.tsv pass now (unexpectedly passing, remove them from the list):");
            foreach (var p in passes) message.AppendLine($"  XPASS {p.Name}");
        }
        if (stale.Count > 0)
        {
            message.AppendLine($"{stale.Count} tests in expected-failures.tsv do not exist (remove them from the list):");
            foreach (var s in stale) message.AppendLine($"  {s}");
        }
        output.WriteLine(report.SummaryLine);
        Assert.True(message.Length == 0, message.ToString());
    }
}
