using System.Diagnostics;
using Strata.Conformance;
using Strata.Core;
using Strata.Onnx;
using Xunit.Abstractions;

namespace Strata.Runtime.Tests;

/// <summary>The <c>light/</c> CNNs through a session: the memory plan's arena is at most 60% of the intermediates, and
/// the native run matches the expected output beside each model.</summary>
public sealed class LightModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() => LightModels.Names();

    private const string QuickModel = "light_squeezenet";


    /// <summary>Models whose peak live bytes alone exceed 60% of their graph intermediates, with the reason. Empty since
    /// light_zfnet512 left (72.7%: its Conv+ReLU+LRN kernel held the conv's %acc, the LRN's %sumsq and its output at one
    /// step; FuseScratchLoops keeps %sumsq in registers, 48.4%).</summary>
    private static readonly Dictionary<string, string> OverBudget = new(StringComparer.Ordinal);

    /// <summary>The acceptance check: the arena is at most 60% of the graph's intermediate tensors (per-run tensors
    /// between nodes, as a node-by-node runtime would keep them); and the plan is near the lower bound of any plan (the
    /// bytes live at the busiest step) — the second is the stronger claim, since fusion already removed most tensors.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void ArenaIsAtMost60PercentOfTheIntermediates_AndNearThePeakLiveBound(string model)
    {
        if (LightModels.Directory() is not { } dir) { output.WriteLine("light models not found: skipped (set STRATA_CONFORMANCE_DIR)"); return; }
        // At the Machine level: the kernels' signatures the native program plans (Machine compilation drops the scratch a
        // kernel no longer accesses; the Block kernel keeps every parameter).
        using var session = InferenceSession.Create(Path.Combine(dir, model + ".onnx"), new SessionOptions { Level = ExecutionLevel.Machine });
        var input = OnnxData.ReadTensor(Path.Combine(dir, "generated_inputs", LightModels.Input));
        var stats = session.Compile(new Dictionary<string, RuntimeValue> { [session.Inputs[0].Name] = input }).Stats;
        output.WriteLine($"{model}: arena {stats.ArenaBytes} B = {100.0 * stats.ArenaBytes / stats.GraphIntermediateBytes:F1}% of {stats.GraphIntermediateBytes} B graph intermediates, "
            + $"{100.0 * stats.ArenaBytes / stats.IntermediateBytes:F1}% of {stats.IntermediateBytes} B planned buffers, {(double)stats.ArenaBytes / stats.PeakLiveBytes:F3}x the peak live {stats.PeakLiveBytes} B; "
            + $"{stats.FoldedKernels} folded kernels ({stats.FoldedBytes} B)");
        Assert.True(stats.IntermediateBytes > 0);
        if (OverBudget.TryGetValue(model, out var why))
        {
            // Listed: no plan can meet 60% because the bytes live at one step already exceed it (fusion's doing). Once
            // that is fixed this fails, and the model leaves the list.
            output.WriteLine($"{model}: over the 60% budget by design of its kernels, not of the plan: {why}");
            Assert.True(stats.PeakLiveBytes > 0.6 * stats.GraphIntermediateBytes, "the peak is now within budget: remove the model from OverBudget");
        }
        else Assert.True(stats.ArenaBytes <= 0.6 * stats.GraphIntermediateBytes, stats.SummaryLine);
        Assert.True(stats.ArenaBytes <= stats.IntermediateBytes + MemoryPlan.Alignment * session.Plan!.Placements.Length, stats.SummaryLine);
        Assert.True(stats.ArenaBytes <= 1.25 * stats.PeakLiveBytes, stats.SummaryLine);
    }

    /// <summary>One model here, through the API with per-step timing; every light model runs natively and is compared
    /// with its expected output in Strata.Cli.Tests' LightModelRunTests (through <c>strata run</c>), so this project
    /// does not run them twice.</summary>
    [Fact]
    public void RunsNativelyAndMatchesTheExpectedOutput()
    {
        const string model = QuickModel;
        if (LightModels.Directory() is not { } dir) { output.WriteLine("light models not found: skipped (set STRATA_CONFORMANCE_DIR)"); return; }
        using var session = InferenceSession.Create(Path.Combine(dir, model + ".onnx"));
        var input = OnnxData.ReadTensor(Path.Combine(dir, "generated_inputs", LightModels.Input));
        var expected = OnnxData.ReadValue(Path.Combine(dir, model + "_output_0.pb"));
        var inputs = new Dictionary<string, RuntimeValue> { [session.Inputs[0].Name] = input };
        var clock = Stopwatch.StartNew();
        var stats = session.Compile(inputs).Stats;
        var compile = clock.Elapsed;
        // One run (it also runs the folded kernels once); then one more, timed step by step.
        clock.Restart();
        var outputs = session.Run(inputs);
        var first = clock.Elapsed;
        var profile = new RunProfile();
        clock.Restart();
        var again = session.Run(inputs, profile);
        var second = clock.Elapsed;
        output.WriteLine($"{model}: {stats.Describe()}compile {compile.TotalMilliseconds:F0} ms, first run {first.TotalMilliseconds:F0} ms, second run {second.TotalMilliseconds:F1} ms");
        foreach (var s in profile.Steps.OrderByDescending(s => s.Elapsed).Take(5)) output.WriteLine($"  {s.Name} ({s.Kind}): {s.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Null(ValueComparer.Default.Compare(outputs[session.Outputs[0].Name], expected));
        Assert.Null(ValueComparer.Default.Compare(again[session.Outputs[0].Name], expected));
        Assert.Equal(stats.Kernels.Length, stats.NativeKernels);
    }
}
