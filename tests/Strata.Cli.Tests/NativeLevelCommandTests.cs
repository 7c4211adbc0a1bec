using System.Text.Json;
using Strata.Cli.Execution;
using Strata.Cli.Tests.Check;
using Strata.Core;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary><c>strata run</c> at native (default) and machine level against the reference interpreter, <c>strata
/// bench</c>, <c>strata compile</c>'s memory plan, <c>strata conformance --level native</c>, and the option errors.</summary>
public sealed class NativeLevelCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();
    private readonly string _model;

    public NativeLevelCommandTests()
    {
        _model = _tmp.File("mlp.onnx");
        OnnxExporter.Save(CheckModels.MlpSoftmax(), _model);
    }

    public void Dispose() => _tmp.Dispose();

    private Tensor<float> RunAt(string dir, params string[] extra)
    {
        var (exit, stdout, stderr) = CliHarness.Run(["run", _model, "--random-inputs", "3", "--output-dir", _tmp.File(dir), .. extra]);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("y: f32[5,3]", stdout);
        return (Tensor<float>)NpyFormat.Read(Path.Combine(_tmp.File(dir), "y.npy"));
    }

    [Theory]
    [InlineData("native", null)]
    [InlineData("machine", "x86-64-avx512")]
    [InlineData("machine", "x86-64-avx2")]
    [InlineData("machine", "generic-v128")]
    [InlineData("machine", "scalar")]
    public void RunMatchesTheReferenceInterpreter(string level, string? target)
    {
        var reference = RunAt("graph", "--level", "graph");
        string[] args = target is null ? ["--level", level, "--threads", "2"] : ["--level", level, "--target", target];
        var actual = RunAt(level + target, args);
        Assert.Equal(reference.Shape, actual.Shape);
        for (int i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(actual[i] - reference[i]) <= 1e-6 + 1e-5 * Math.Abs(reference[i]), $"element {i}: {actual[i]} vs {reference[i]}");
        // Softmax rows sum to one: the reference itself is not all zeros.
        Assert.InRange(reference[0] + reference[1] + reference[2], 0.999f, 1.001f);
    }

    [Fact]
    public void RunIsNativeByDefault_AndSaysHowKernelsRun()
    {
        var (exit, stdout, stderr) = CliHarness.Run("run", _model, "--random-inputs", "1");
        Assert.True(exit == 0, stderr);
        Assert.StartsWith($"native ({TargetCatalog.Host.Name}): 2 kernels (2 native)", stdout);
    }

    [Fact]
    public void BenchPrintsMedianSpreadAndRate_OnALightModel()
    {
        var model = LightModel("light_bvlc_alexnet") ?? _model;
        var (exit, stdout, stderr) = CliHarness.Run("bench", model, "--runs", "3", "--warmup", "1", "--threads", "2");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"latency: median \d+\.\d{3} ms \(p10 \d+\.\d{3}, p90 \d+\.\d{3}, min \d+\.\d{3}, max \d+\.\d{3}\)", stdout);
        Assert.Contains("1 warm-up runs, 3 timed runs", stdout);
        Assert.Matches(@"throughput: \d+\.\d\d runs/s", stdout);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("machine")]
    [InlineData("graph")]
    public void RunInto_WritesIntoTheEarlierOutputsAtNativeAndMachineLevel(string level)
    {
        var settings = RunSettings.Create(level, threads: level == "graph" ? null : 1, @checked: false, target: null);
        var graph = CheckModels.MlpSoftmax();
        using var runner = LevelRunner.Create(settings, graph, CheckModels.Inputs(seed: 1));
        var first = runner.Run(CheckModels.Inputs(seed: 1));
        var y = (Tensor<float>)first["y"]!;
        var expected = (Tensor<float>)runner.Run(CheckModels.Inputs(seed: 2))["y"]!;
        var second = runner.RunInto(CheckModels.Inputs(seed: 2), first);
        var written = (Tensor<float>)second["y"]!;
        // At native and machine level the earlier tensor is reused (no allocation per timed run); the graph
        // interpreter has no such entry point and returns a fresh one. The values are the new run's either way.
        Assert.Equal(level != "graph", ReferenceEquals(y, written));
        Assert.Equal(expected.Span.ToArray(), written.Span.ToArray());
    }

    [Fact]
    public void BenchJson_IsConsistent()
    {
        var (exit, stdout, stderr) = CliHarness.Run("bench", _model, "--runs", "5", "--warmup", "0", "--json");
        Assert.True(exit == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal("native", r.GetProperty("level").GetString());
        Assert.Equal(5, r.GetProperty("runs").GetInt32());
        var times = r.GetProperty("timesMs").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        Assert.Equal(5, times.Length);
        Assert.Equal(times[2], r.GetProperty("medianMs").GetDouble(), 3);
        Assert.Equal(times[0], r.GetProperty("minMs").GetDouble(), 3);
        Assert.True(r.GetProperty("p10Ms").GetDouble() <= r.GetProperty("medianMs").GetDouble());
        Assert.True(r.GetProperty("medianMs").GetDouble() <= r.GetProperty("p90Ms").GetDouble());
    }

    [Fact]
    public void BenchProfile_ListsEveryKernelOnceByMedianTime()
    {
        var (exit, stdout, stderr) = CliHarness.Run("bench", _model, "--runs", "5", "--warmup", "0", "--json", "--profile");
        Assert.True(exit == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        var steps = doc.RootElement.GetProperty("steps").EnumerateArray().ToArray();
        Assert.NotEmpty(steps);
        var medians = steps.Select(e => e.GetProperty("medianMs").GetDouble()).ToArray();
        Assert.Equal(medians.OrderDescending(), medians);
        Assert.All(steps, e => Assert.Equal("native", e.GetProperty("kind").GetString()));
        // A step's time is part of its run's: no step's median exceeds the slowest run.
        Assert.True(medians[0] <= doc.RootElement.GetProperty("maxMs").GetDouble());
        Assert.Equal(steps.Length, steps.Select(e => e.GetProperty("name").GetString()).Distinct().Count());
        // The calling thread's CPU time (Linux): a thread cannot compute longer than the step lasted, in each run, so
        // neither in the medians; a clock of the process (or of the workers too) could.
        if (OperatingSystem.IsLinux())
            Assert.All(steps, e =>
            {
                double cpu = e.GetProperty("medianCpuMs").GetDouble();
                Assert.InRange(cpu, 0, e.GetProperty("medianMs").GetDouble() + 0.01);
            });
    }

    [Fact]
    public void BenchProfile_AtGraphLevelIsAClearError()
    {
        var (exit, _, stderr) = CliHarness.Run("bench", _model, "--runs", "1", "--level", "graph", "--profile");
        Assert.Equal(2, exit);
        Assert.Contains("--profile", stderr);
    }

    [Fact]
    public void LatencyStats_InterpolatePercentiles()
    {
        var s = LatencyStats.Of([5, 1, 4, 2, 3, 10, 6, 7, 8, 9, 11]);
        Assert.Equal(6, s.Median);
        Assert.Equal(2, s.P10);
        Assert.Equal(10, s.P90);
        Assert.Equal((1, 11), (s.Min, s.Max));
        Assert.Equal(11 * 1000.0 / 66, s.RunsPerSecond, 9);
        Assert.Equal(2.5, LatencyStats.Of([2, 3]).Median);
    }

    [Fact]
    public void CompilePrintsTheMemoryPlan_AndDumpsMachineText()
    {
        var dir = _tmp.File("dump");
        var (exit, stdout, stderr) = CliHarness.Run("compile", _model, "--dump-ir", dir, "--target", "x86-64-avx2");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("  machine: x86-64-avx2, programs(", stdout);
        Assert.Matches(@"runtime \(native\): 2 kernels \(2 native\), 0 fallback nodes", stdout);
        Assert.Matches(@"memory plan: arena [\d,]+ bytes, intermediate tensors [\d,]+ bytes \(arena/intermediates \d+\.\d%\)", stdout);
        foreach (var kernel in new[] { "mlp.k0", "mlp.k1" })
        {
            var text = File.ReadAllText(Path.Combine(dir, kernel, "machine.strata"));
            Assert.StartsWith($"machine.kernel @{kernel} target(x86-64-avx2)", text);
            Assert.Equal(text, Machine.Text.MachinePrinter.Print(Machine.Text.MachineParser.Parse(text)));
        }
    }

    [Fact]
    public void ConformanceAtNativeLevel_PassesAFewTests()
    {
        if (CliHarness.SharedConformanceDir() is not { } shared) return;
        var (exit, stdout, stderr) = CliHarness.Run("conformance", Path.Combine(shared, "node"), "--level", "native",
            "--filter", "^test_(softmax_axis_1|gemm_default_matrix_bias|argmax_default_axis_example|relu)$");
        Assert.True(exit == 0, stdout + stderr);
        Assert.EndsWith("4 passed, 0 failed, 0 skipped", stdout.TrimEnd());
    }

    [Theory]
    [InlineData("run", "--threads", "0", "--threads 0: the thread count must be at least 1")]
    [InlineData("run", "--target", "riscv", "unknown target 'riscv'")]
    [InlineData("bench", "--threads", "-3", "--threads -3")]
    [InlineData("bench", "--runs", "0", "--runs 0: at least one timed run")]
    [InlineData("conformance", "--target", "riscv", "unknown target 'riscv'")]
    public void BadOptions_ExitWith2AndAClearMessage(string command, string option, string value, string message)
    {
        string[] args = command == "conformance" ? [command, _tmp.Path, "--level", "native", option, value] : [command, _model, option, value];
        var (exit, _, stderr) = CliHarness.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void MachineOptionsAtAnInterpreterLevel_AreRejected()
    {
        var (exit, _, stderr) = CliHarness.Run("run", _model, "--level", "block", "--threads", "2");
        Assert.Equal(2, exit);
        Assert.Contains("--threads applies to --level machine or native, not block", stderr);
    }

    [Fact]
    public void ATargetThisMachineCannotRun_IsRefusedNatively_ButEmulated()
    {
        // Only a host without AVX-512 can check the refusal; every host checks that emulation is allowed.
        if (!TargetSupport.RunsNatively(Target.X86Avx512))
        {
            var (exit, _, stderr) = CliHarness.Run("run", _model, "--random-inputs", "1", "--target", "x86-64-avx512");
            Assert.Equal(2, exit);
            Assert.Contains("use --level machine --target x86-64-avx512", stderr);
        }
        var settings = RunSettings.Create("machine", null, false, "x86-64-avx512");
        Assert.Equal(Target.X86Avx512, settings.Target);
    }

    private static string? LightModel(string name) =>
        CliHarness.SharedConformanceDir() is { } onnx && File.Exists(Path.Combine(onnx, "light", name + ".onnx")) ? Path.Combine(onnx, "light", name + ".onnx") : null;
}
