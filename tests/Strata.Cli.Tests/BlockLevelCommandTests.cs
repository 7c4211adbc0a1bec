namespace Strata.Cli.Tests;

/// <summary><c>strata conformance --level block</c>; the level names of <c>strata run</c> (BlockLevelRunTests runs a model).</summary>
public sealed class BlockLevelCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

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
    public void UnknownLevelNamesEveryLevel()
    {
        var (exit, _, stderr) = CliHarness.Run("run", "model.onnx", "--level", "gpu");
        Assert.Equal(2, exit);
        foreach (var level in new[] { "graph", "tile", "block", "machine", "native" }) Assert.Contains(level, stderr);
    }
}
