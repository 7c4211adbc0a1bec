using System.Text;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>Runs the whole ONNX node-test suite at machine level for each known target (every Block kernel lowered to
/// Machine, verified, run by the Machine interpreter — any target is emulated on any host; fallbacks through the
/// reference ops): every test must pass or be listed in the graph/tile/block lists or expected-failures.machine.tsv
/// (with a reason); no test listed for machine only may pass; every Machine kernel's text round-trips.</summary>
public sealed class MachineSuiteTests(ITestOutputHelper output)
{
    public static TheoryData<string> Targets() => [.. Core.Target.Known.Select(t => t.Name)];

    [Theory, MemberData(nameof(Targets))]
    public void MachineLevelSuite_HasNoUnexpectedResults(string target)
    {
        var nodeDir = SuiteLocation.NodeDirectory(out var looked);
        if (nodeDir is null)
        {
            output.WriteLine($"conformance suite not found at {looked}: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var testsDir = Path.GetDirectoryName(SuiteLocation.ExpectedFailuresFile())!;
        var machineOnly = ExpectedFailures.Load(Path.Combine(testsDir, "expected-failures.machine.tsv"));
        var expected = ExpectedFailures.Combine([ExpectedFailures.ForLevel(testsDir, "block"), ExpectedFailures.ForLevel(testsDir, "tile"), machineOnly]);
        var problems = new System.Collections.Concurrent.ConcurrentBag<string>();
        int kernels = 0, vectorised = 0;
        var executor = new MachineExecutor(Core.Target.Get(target))
        {
            OnCompiled = model =>
            {
                foreach (var k in model.Kernels)
                {
                    if (k.Machine is not { } m) continue;
                    Interlocked.Increment(ref kernels);
                    if (HasVectors(m.Body)) Interlocked.Increment(ref vectorised);
                    var text = Machine.Text.MachinePrinter.Print(m);
                    if (Machine.Text.MachinePrinter.Print(Machine.Text.MachineParser.Parse(text)) != text)
                        problems.Add($"machine kernel @{m.Name}: print(parse(print(k))) differs from print(k)");
                }
            },
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var report = new ConformanceRunner(executor, new ConformanceOptions { Timeout = TimeSpan.FromMinutes(10) }).RunAll(ConformanceRunner.Discover(nodeDir));
        var (failures, passes) = expected.Check(report);
        var stalePasses = passes.Where(p => machineOnly.Contains(p.Name)).ToList();

        output.WriteLine($"conformance at machine level for {target}: {report.SummaryLine}; {report.Failed - failures.Count} expected failures; {kernels} Machine kernels ({vectorised} with vector code); {watch.Elapsed.TotalSeconds:F0} s");
        var message = new StringBuilder();
        foreach (var f in failures) message.AppendLine($"  FAIL {f.Name}: {f.Reason}");
        foreach (var p in stalePasses) message.AppendLine($"  XPASS {p.Name} (remove it from expected-failures.machine.tsv)");
        foreach (var (name, reason) in machineOnly.Reasons)
            if (reason.Length == 0) message.AppendLine($"expected-failures.machine.tsv gives no reason for {name}");
        foreach (var p in problems.Order(StringComparer.Ordinal)) message.AppendLine(p);
        if (kernels == 0) message.AppendLine("no Machine kernel was formed");
        Assert.True(message.Length == 0, message.ToString());
    }

    private static bool HasVectors(IEnumerable<Machine.MStmt> body) => body.Any(s => s switch
    {
        Machine.LoopStmt l => HasVectors(l.Body),
        Machine.IfStmt i => HasVectors(i.Then) || HasVectors(i.Else),
        _ => s.Dest is { Type.IsVector: true },
    });
}
