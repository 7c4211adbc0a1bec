using System.Text;
using Strata.Tile.Execution;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at tile level (fusion into Tile kernels, fallbacks through the reference
/// ops): every test must pass or be listed in expected-failures.tsv (fails at every level) or expected-failures.tile.tsv
/// (fails at tile level only, with a reason); no listed test may pass; the tile-only list stays under 2% of the passes.</summary>
public sealed class TileSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void TileLevelSuite_HasNoUnexpectedResults()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var testsDir = Path.GetDirectoryName(SuiteLocation.ExpectedFailuresFile())!;
        var expected = ExpectedFailures.ForLevel(testsDir, "tile");
        var tileOnly = ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.tile.tsv"));
        var roundTrip = new System.Collections.Concurrent.ConcurrentBag<string>();
        var executor = new TileExecutor { OnCompiled = program => CheckRoundTrip(program, roundTrip) };
        var report = new ConformanceRunner(executor).RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stale = expected.Reasons.Keys.Where(k => report.Results.All(r => r.Name != k)).ToList();

        output.WriteLine($"conformance at tile level ({nodeDir}): {report.SummaryLine}; {report.Failed - failures.Count} expected failures");
        output.WriteLine($"nodes: {report.Lowering.SummaryLine}");
        var message = new StringBuilder();
        if (failures.Count > 0)
        {
            message.AppendLine($"{failures.Count} tests failed at tile level that are in neither expected-failures list:");
            foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        }
        if (passes.Count > 0)
        {
            message.AppendLine($"{passes.Count} listed tests pass at tile level (remove them from the list):");
            foreach (var p in passes) message.AppendLine($"  XPASS {p.Name}");
        }
        if (stale.Count > 0)
        {
            message.AppendLine($"{stale.Count} listed tests do not exist (remove them from the list):");
            foreach (var s in stale) message.AppendLine($"  {s}");
        }
        foreach (var problem in roundTrip.Order(StringComparer.Ordinal)) message.AppendLine(problem);
        if (tileOnly.Reasons.Count > 0.02 * report.Passed)
            message.AppendLine($"expected-failures.tile.tsv lists {tileOnly.Reasons.Count} tests, more than 2% of the {report.Passed} passes");
        foreach (var (name, reason) in tileOnly.Reasons)
            if (reason.Length == 0) message.AppendLine($"expected-failures.tile.tsv gives no reason for {name}");
        Assert.True(message.Length == 0, message.ToString());
    }

    /// <summary>Print → parse → print is the identity for every kernel, and parsing gives the same kernel.</summary>
    private static void CheckRoundTrip(Tile.TileProgram program, System.Collections.Concurrent.ConcurrentBag<string> problems)
    {
        foreach (var step in program.Kernels)
        {
            var text = Tile.Text.TilePrinter.Print(step.Kernel);
            try
            {
                var parsed = Tile.Text.TileParser.ParseKernel(text);
                if (Tile.Text.TilePrinter.Print(parsed) != text) problems.Add($"kernel @{step.Kernel.Name}: print(parse(print(k))) differs from print(k)");
                else if (!parsed.Equals(step.Kernel)) problems.Add($"kernel @{step.Kernel.Name}: parse(print(k)) differs from k");
            }
            catch (Core.StrataException e)
            {
                problems.Add($"kernel @{step.Kernel.Name}: its text does not parse: {e.Message}");
            }
        }
    }

    [Fact]
    public void TileExecutor_CountsLoweredAndFallbackNodes_InTheReport()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out _);
        if (nodeDir is null) return;
        var tests = ConformanceRunner.Discover(nodeDir, new System.Text.RegularExpressions.Regex("^test_(relu|if)$"));
        var report = new ConformanceRunner(new TileExecutor()).RunAll(tests);
        Assert.All(report.Results, r => Assert.Equal(ConformanceStatus.Passed, r.Status));
        var relu = report.Results.Single(r => r.Name == "test_relu").Lowering!;
        Assert.Equal((1, 0), (relu.Lowered, relu.Fallback));
        var ifTest = report.Results.Single(r => r.Name == "test_if").Lowering!;
        Assert.Equal(1, ifTest.ByOp.Single(c => c.Op == "If").Fallback);
        var tsv = report.ToTsv().Split('\n');
        Assert.Equal("name\top\tstatus\treason\tlowered\tfallback", tsv[0]);
        Assert.Contains("test_relu\tRelu\tpassed\t\t1\t0", tsv);
    }
}
