using Strata.Block.Text;
using Strata.Cli.Tests.Check;
using Strata.Graph.Text;
using Strata.Onnx;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Cli.Tests;

public sealed class CompileCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();
    private readonly string _model;

    public CompileCommandTests()
    {
        _model = _tmp.File("mlp.onnx");
        OnnxExporter.Save(CheckModels.MlpSoftmax(), _model);
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void PrintsKernelsTheirNodesConfigsAndCounts()
    {
        var (exit, stdout, stderr) = CliHarness.Run("compile", _model, "--verify-each");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("compiled @mlp: 2 kernels, 0 fallbacks", stdout);
        Assert.Contains("kernel @mlp.k0: MatMul, Add, Relu", stdout);
        Assert.Contains("kernel @mlp.k1: MatMul, Softmax", stdout);
        Assert.Matches(@"  config: \{block\.", stdout);
        Assert.Contains("5 nodes lowered, 0 fallback (100.0% lowered)", stdout);
        Assert.Matches(@"  Softmax\s+1\s+0\s+0", stdout);
    }

    [Fact]
    public void ReportsOutputsWrittenOverDyingInputs()
    {
        var model = _tmp.File("res.onnx");
        OnnxExporter.Save(CheckModels.ResidualBlocks(), model);
        var (exit, stdout, stderr) = CliHarness.Run("compile", model);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("  in place: 0 concats (their inputs' producers write into them; they never run), 2 kernels writing an output over a dying input", stdout);
        // No residual, nothing in place: no line.
        Assert.DoesNotContain("in place:", CliHarness.Run("compile", _model).Out);
    }

    [Fact]
    public void DumpIrWritesTextThatParsesBackAtEachLevel()
    {
        var dir = _tmp.File("dump");
        var (exit, stdout, stderr) = CliHarness.Run("compile", _model, "--dump-ir", dir);
        Assert.True(exit == 0, stderr + stdout);
        GraphParser.Parse(File.ReadAllText(Path.Combine(dir, "graph.strata")));
        foreach (var kernel in new[] { "mlp.k0", "mlp.k1" })
        {
            var k = Path.Combine(dir, kernel);
            var tiles = Directory.GetFiles(k, "tile.*.strata").Order(StringComparer.Ordinal).ToList();
            var blocks = Directory.GetFiles(k, "block.*.strata").Order(StringComparer.Ordinal).ToList();
            Assert.Equal("tile.00.fusion.strata", Path.GetFileName(tiles[0]));
            Assert.Equal("block.00.lower.strata", Path.GetFileName(blocks[0]));
            Assert.True(tiles.Count >= 2 && blocks.Count >= 2);
            foreach (var f in tiles)
            {
                var text = File.ReadAllText(f);
                Assert.Equal(text, TilePrinter.Print(TileParser.ParseKernel(text)));
            }
            foreach (var f in blocks)
            {
                var text = File.ReadAllText(f);
                Assert.Equal(text, BlockPrinter.Print(BlockParser.Parse(text)));
            }
            var config = Config.Parse(File.ReadAllText(Path.Combine(k, "config.txt")));
            Assert.Contains($"  config: {config}", stdout);
        }
    }

    [Fact]
    public void BadInputGivesExitCodeTwo()
    {
        Assert.Equal(CliErrors.BadInput, CliHarness.Run("compile", _tmp.File("nope.onnx")).Exit);
        Assert.Equal(CliErrors.BadInput, CliHarness.Run("compile", _model, "--shape", "q=1").Exit);
    }
}
