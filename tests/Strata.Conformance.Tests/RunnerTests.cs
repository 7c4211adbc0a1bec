using System.Text.RegularExpressions;
using Strata.Core;
using Strata.Graph;

namespace Strata.Conformance.Tests;

/// <summary>The runner end to end on real ONNX tests, with a small op registry of its own so the results
/// do not depend on which ops the built-in families implement.</summary>
public sealed class RunnerTests
{
    private static OpRegistry TestOps()
    {
        var ext = new ExtensionRegistry();
        ext.AddOp(new OpSchema("", "Identity", c => [c.InputTypes[0]], c => [c.Inputs[0]]));
        ext.AddOp(new OpSchema("", "Abs", c => [c.InputTypes[0]], c =>
        {
            var x = c.Input<float>(0);
            var y = new Tensor<float>(x.Shape);
            for (int i = 0; i < x.Length; i++) y[i] = MathF.Abs(x[i]);
            return [y];
        }));
        // Deliberately wrong: Neg returns its input unchanged.
        ext.AddOp(new OpSchema("", "Neg", c => [c.InputTypes[0]], c => [c.Input(0)]));
        return new OpRegistry(ext);
    }

    private static string? NodeDir() => SuiteLocation.NodeDirectory(out _);

    private static ConformanceReport Run(string pattern, IConformanceExecutor? executor = null, ConformanceOptions? options = null)
    {
        var registry = TestOps();
        var runner = new ConformanceRunner(executor ?? new GraphExecutor(registry), (options ?? new ConformanceOptions()) with { Registry = registry });
        return runner.RunAll(ConformanceRunner.Discover(NodeDir()!, new Regex(pattern)));
    }

    [Fact]
    public void CorrectOpsPass_WrongOpsFail_MissingOpsFailWithUnsupportedOp()
    {
        if (NodeDir() is null) return;
        var report = Run("^test_(abs|identity|neg|acos)$");
        Assert.Equal("test_abs test_acos test_identity test_neg", string.Join(" ", report.Results.Select(r => r.Name)));
        Assert.Equal(ConformanceStatus.Passed, report.Results.Single(r => r.Name == "test_abs").Status);
        Assert.Equal(ConformanceStatus.Passed, report.Results.Single(r => r.Name == "test_identity").Status);
        var neg = report.Results.Single(r => r.Name == "test_neg");
        Assert.Equal(ConformanceStatus.Failed, neg.Status);
        Assert.Contains("elements differ", neg.Reason);
        var acos = report.Results.Single(r => r.Name == "test_acos");
        Assert.Equal(ConformanceStatus.Failed, acos.Status);
        Assert.Contains("E1002", acos.Reason);
        Assert.Equal("Acos", acos.Op);
        Assert.Equal("2 passed, 2 failed, 0 skipped", report.SummaryLine);
    }

    [Fact]
    public void SequenceAndOptionalData_AreRead()
    {
        if (NodeDir() is null) return;
        // Identity over a sequence and over an optional: exercises SequenceProto and OptionalProto files.
        var report = Run("^test_(identity_sequence|identity_opt|optional_get_element_sequence)$");
        var identity = report.Results.Where(r => r.Name.StartsWith("test_identity", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(identity);
        Assert.All(identity, r => Assert.Equal(ConformanceStatus.Passed, r.Status));
    }

    [Fact]
    public void HangingTest_IsReportedAsTimeout()
    {
        if (NodeDir() is null) return;
        var report = Run("^test_abs$", new HangingExecutor(), new ConformanceOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var r = Assert.Single(report.Results);
        Assert.Equal(ConformanceStatus.Failed, r.Status);
        Assert.StartsWith("timeout", r.Reason);
    }

    [Fact]
    public void ExecutorExceptions_BecomeFailures()
    {
        if (NodeDir() is null) return;
        var report = Run("^test_abs$", new ThrowingExecutor());
        var r = Assert.Single(report.Results);
        Assert.Equal(ConformanceStatus.Failed, r.Status);
        Assert.Equal("NullReferenceException: boom", r.Reason);
    }

    [Fact]
    public void Report_IsTsv()
    {
        var report = new ConformanceReport([
            new ConformanceResult("b", "Add", ConformanceStatus.Failed, "why"),
            new ConformanceResult("a", "Abs", ConformanceStatus.Passed, ""),
        ]);
        Assert.Equal("name\top\tstatus\treason\na\tAbs\tpassed\t\nb\tAdd\tfailed\twhy\n", report.ToTsv());
        Assert.Equal("1 passed, 1 failed, 0 skipped", report.SummaryLine);
    }

    [Fact]
    public void ExpectedFailures_ParseAndCheck()
    {
        var list = ExpectedFailures.Parse(["# comment", "", "test_a\tneeds x", "test_b\tneeds y"]);
        Assert.Equal(2, list.Reasons.Count);
        Assert.Equal("needs x", list.Reasons["test_a"]);
        var report = new ConformanceReport([
            new ConformanceResult("test_a", "A", ConformanceStatus.Failed, "r"),
            new ConformanceResult("test_b", "B", ConformanceStatus.Passed, ""),
            new ConformanceResult("test_c", "C", ConformanceStatus.Failed, "r"),
        ]);
        var (failures, passes) = list.Check(report);
        Assert.Equal("test_c", Assert.Single(failures).Name);
        Assert.Equal("test_b", Assert.Single(passes).Name);
    }

    [Fact]
    public void ExpectedFailuresFile_IsWellFormed()
    {
        foreach (var line in File.ReadAllLines(SuiteLocation.ExpectedFailuresFile()))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cols = line.Split('\t');
            Assert.True(cols.Length == 2 && cols[0].StartsWith("test_", StringComparison.Ordinal) && cols[1].Trim().Length > 0,
                $"expected-failures.tsv line must be 'test_name<TAB>reason': '{line}'");
        }
    }

    private sealed class HangingExecutor : IConformanceExecutor
    {
        public string Name => "hang";
        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            Thread.Sleep(5000);
            return new Dictionary<string, RuntimeValue?>();
        }
    }

    private sealed class ThrowingExecutor : IConformanceExecutor
    {
        public string Name => "throw";
        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
            throw new NullReferenceException("boom");
    }
}
