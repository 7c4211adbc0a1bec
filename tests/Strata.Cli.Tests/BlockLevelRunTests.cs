using Strata.Cli.Demo;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Cli.Tests;

public sealed class BlockLevelRunTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RunAtBlockLevelMatchesTheGraphLevelAndDumpsEveryLevel()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var x = new Tensor<float>(Enumerable.Range(0, 3 * 64).Select(i => MathF.Cos(i)).ToArray(), [3, 64]);
        NpyFormat.Write(x, _tmp.File("x.npy"));
        var dump = _tmp.File("ir");
        var (exit, stdout, stderr) = CliHarness.Run("run", mlp, "--input", "x=" + _tmp.File("x.npy"), "-o", _tmp.Path,
            "--level", "block", "--dump-ir", dump, "--verify-each");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"block: \d+ kernels, 0 fallbacks; \d+ nodes lowered, 0 fallback", stdout);
        var expected = (Tensor<float>)new GraphInterpreter().Run(DemoModels.Mlp(), new Dictionary<string, RuntimeValue> { ["x"] = x })["probabilities"]!;
        var actual = ((Tensor<float>)NpyFormat.Read(_tmp.File("probabilities.npy"))).ToArray();
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected.Span[i], actual[i], 1e-5f);
        Assert.True(File.Exists(Path.Combine(dump, "graph.strata")));
        Assert.NotEmpty(Directory.GetFiles(dump, "block.00.lower.strata", SearchOption.AllDirectories));
    }
}
