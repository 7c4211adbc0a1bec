using Strata.Block.Text;
using Strata.Cli.Demo;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary><c>strata run --level block</c> and <c>strata conformance --level block</c>.</summary>
public sealed class BlockLevelCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RunAtBlockLevelMatchesTheInterpreterAndDumpsBlockKernels()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var x = new Tensor<float>(Enumerable.Range(0, 3 * 64).Select(i => MathF.Sin(i)).ToArray(), [3, 64]);
        NpyFormat.Write(x, _tmp.File("x.npy"));
        var dump = _tmp.File("ir");
        var (exit, stdout, stderr) = CliHarness.Run("run", mlp, "--input", "x=" + _tmp.File("x.npy"), "--level", "block",
            "--dump-ir", dump, "--verify-each", "-o", _tmp.Path);
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("block: ", stdout);

        var expected = (Tensor<float>)new GraphInterpreter().Run(DemoModels.Mlp(), new Dictionary<string, RuntimeValue> { ["x"] = x })["probabilities"]!;
        var actual = (Tensor<float>)NpyFormat.Read(_tmp.File("probabilities.npy"));
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);

        var kernels = Directory.GetFiles(Path.Combine(dump, "block"), "*.strata");
        Assert.NotEmpty(kernels);
        foreach (var file in kernels)
        {
            var text = File.ReadAllText(file);
            Assert.StartsWith("# config {", text);
            var body = text[(text.IndexOf('\n') + 1)..];
            Assert.Equal(body, BlockPrinter.Print(BlockParser.Parse(body)));
        }
    }

    [Fact]
    public void ConformanceAtBlockLevelCountsLoweredNodes()
    {
        if (CliHarness.SharedConformanceDir() is not { } shared) return;
        var node = Path.Combine(shared, "node");
        if (!Directory.Exists(node)) return;
        var (exit, stdout, stderr) = CliHarness.Run("conformance", node, "--level", "block", "--filter", "^test_(softmax_axis_1|gemm_default_matrix_bias|argmax_default_axis_example)$");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("nodes: ", stdout);
        Assert.EndsWith("3 passed, 0 failed, 0 skipped", stdout.TrimEnd());
    }

    [Fact]
    public void UnknownLevelNamesBlock()
    {
        var (exit, _, stderr) = CliHarness.Run("run", "model.onnx", "--level", "machine");
        Assert.NotEqual(0, exit);
        Assert.Contains("block", stderr);
    }
}
