using System.Text;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at block level (the Tile kernels lowered with their default configs,
/// verified, run by the Block interpreter; fallbacks through the reference ops): every test must pass or be listed in
/// expected-failures.tsv, expected-failures.tile.tsv (the Block level runs the Tile level's kernels) or
/// expected-failures.block.tsv (with a reason); no test listed for block only may pass.</summary>
public sealed class BlockSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void BlockLevelSuite_HasNoUnexpectedResults()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var testsDir = Path.GetDirectoryName(SuiteLocation.ExpectedFailuresFile())!;
        var blockOnly = ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.block.tsv"));
        var expected = ExpectedFailures.Combine([ExpectedFailures.ForLevel(testsDir, "tile"), blockOnly]);
        var roundTrip = new System.Collections.Concurrent.ConcurrentBag<string>();
        var executor = new BlockExecutor { OnCompiled = model => CheckRoundTrip(model, roundTrip) };
        var report = new ConformanceRunner(executor, new ConformanceOptions { Timeout = TimeSpan.FromMinutes(10) }).RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stalePasses = passes.Where(p => blockOnly.Contains(p.Name)).ToList();

        output.WriteLine($"conformance at block level ({nodeDir}): {report.SummaryLine}; {report.Failed - failures.Count} expected failures");
        output.WriteLine($"nodes: {report.Lowering.SummaryLine}");
        var message = new StringBuilder();
        if (failures.Count > 0)
        {
            message.AppendLine($"{failures.Count} tests failed at block level that are in no expected-failures list:");
            foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        }
        if (stalePasses.Count > 0)
        {
            message.AppendLine($"{stalePasses.Count} tests listed in expected-failures.block.tsv pass (remove them from the list):");
            foreach (var p in stalePasses) message.AppendLine($"  XPASS {p.Name}");
        }
        foreach (var (name, reason) in blockOnly.Reasons)
            if (reason.Length == 0) message.AppendLine($"expected-failures.block.tsv gives no reason for {name}");
        foreach (var problem in roundTrip.Order(StringComparer.Ordinal)) message.AppendLine(problem);
        output.WriteLine($"block text round trip checked on {_roundTripped} kernels");
        if (_roundTripped == 0) message.AppendLine("no Block kernel was formed, so the text round trip checked nothing");
        Assert.True(message.Length == 0, message.ToString());
    }

    private int _roundTripped;

    /// <summary>Print → parse → print is the identity for every Block kernel, and parsing gives the same kernel.</summary>
    private void CheckRoundTrip(Block.Compilation.CompiledModel model, System.Collections.Concurrent.ConcurrentBag<string> problems)
    {
        foreach (var kernel in model.Kernels)
        {
            if (kernel.Block is not { } block) continue;
            Interlocked.Increment(ref _roundTripped);
            var text = Block.Text.BlockPrinter.Print(block);
            try
            {
                var parsed = Block.Text.BlockParser.Parse(text);
                if (Block.Text.BlockPrinter.Print(parsed) != text) problems.Add($"block kernel @{block.Name}: print(parse(print(k))) differs from print(k)");
                else if (!parsed.Equals(block)) problems.Add($"block kernel @{block.Name}: parse(print(k)) differs from k");
            }
            catch (Core.StrataException e)
            {
                problems.Add($"block kernel @{block.Name}: its text does not parse: {e.Message}");
            }
        }
    }

    [Fact]
    public void BlockExecutor_CountsLoweredAndFallbackNodes_InTheReport()
    {
        var nodeDir = SuiteLocation.NodeDirectory(out _);
        if (nodeDir is null) return;
        var tests = ConformanceRunner.Discover(nodeDir, new System.Text.RegularExpressions.Regex("^test_(softmax_axis_1|if)$"));
        var report = new ConformanceRunner(new BlockExecutor(), new ConformanceOptions { Timeout = TimeSpan.FromMinutes(10) }).RunAll(tests);
        Assert.All(report.Results, r => Assert.Equal(ConformanceStatus.Passed, r.Status));
        var softmax = report.Results.Single(r => r.Name == "test_softmax_axis_1").Lowering!;
        Assert.Equal((1, 0), (softmax.Lowered, softmax.Fallback));
        Assert.Equal(1, report.Results.Single(r => r.Name == "test_if").Lowering!.ByOp.Single(c => c.Op == "If").Fallback);
    }
}
