using Strata.Cli.Demo;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary><c>strata run --level tile</c> and <c>strata conformance --level tile</c>.</summary>
public sealed class TileLevelCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RunAtTileLevel_MatchesTheGraphLevel_AndDumpsTheProgram()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var x = new Tensor<float>(Enumerable.Range(0, 3 * 64).Select(i => MathF.Cos(i)).ToArray(), [3, 64]);
        NpyFormat.Write(x, _tmp.File("x.npy"));
        var dump = _tmp.File("ir");
        var (exit, stdout, stderr) = CliHarness.Run("run", mlp, "--input", "x=" + _tmp.File("x.npy"), "-o", _tmp.Path,
            "--level", "tile", "--dump-ir", dump, "--verify-each");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"tile: \d+ kernels, 0 fallbacks; \d+ nodes lowered, 0 fallback", stdout);
        var expected = (Tensor<float>)new GraphInterpreter().Run(DemoModels.Mlp(), new Dictionary<string, RuntimeValue> { ["x"] = x })["probabilities"]!;
        var actual = ((Tensor<float>)NpyFormat.Read(_tmp.File("probabilities.npy"))).ToArray();
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected.Span[i], actual[i], 1e-5f);
        Assert.StartsWith("program @", File.ReadAllText(Path.Combine(dump, "program.txt")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dump, "graph"), "*.strata"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dump, "tile"), "*.strata", SearchOption.AllDirectories));
    }

    [Fact]
    public void UnknownLevel_IsReported()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var (exit, _, stderr) = CliHarness.Run("run", mlp, "--random-inputs", "0", "--shape", "x=2,64", "--level", "gpu");
        Assert.Equal(2, exit);
        Assert.Contains("unknown level 'gpu'", stderr);
    }

    [Fact]
    public void ConformanceAtTileLevel_ReportsLoweredAndFallbackNodes()
    {
        if (CliHarness.SharedConformanceDir() is not { } onnx) return;
        var report = _tmp.File("report.tsv");
        var ops = _tmp.File("ops.tsv");
        var (exit, stdout, stderr) = CliHarness.Run("conformance", Path.Combine(onnx, "node"), "--level", "tile",
            "--filter", "^test_(relu|if)$", "--report", report, "--ops-report", ops);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("nodes: 1 nodes lowered, 1 fallback (50.0% lowered)", stdout);
        Assert.Contains("fallback nodes by op: If 1", stdout);
        Assert.Contains("test_relu\tRelu\tpassed\t\t1\t0", File.ReadAllLines(report));
        Assert.Contains(File.ReadAllLines(ops), l => l.StartsWith("If\t0\t1\t0\t1× no Tile lowering is registered for If", StringComparison.Ordinal));
    }
}
