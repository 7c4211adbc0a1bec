using System.Globalization;
using Strata.Graph.Text;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Block.Compilation;

/// <summary>Writes every level's text for <c>--dump-ir DIR</c>, with deterministic names:
/// <code>
/// DIR/graph.strata                      the graph after the graph passes (what fusion partitions)
/// DIR/program.txt                       the steps: each kernel with its graph values and ops, each fallback with its reason
/// DIR/KERNEL/tile.00.fusion.strata      the Tile kernel as fusion formed it
/// DIR/KERNEL/tile.NN.PASS.strata        … after each Tile pass, in pipeline order
/// DIR/KERNEL/config.txt                 the config it is lowered with ({block.m = 32, …})
/// DIR/KERNEL/block.00.lower.strata      the Block kernel right after Tile→Block lowering
/// DIR/KERNEL/block.NN.PASS.strata       … after each Block pass
/// </code>
/// KERNEL is the kernel's name with characters other than letters, digits, <c>_ . -</c> replaced by <c>_</c>.
/// Constants over <see cref="ElideConstantsLargerThan"/> elements print elided in graph.strata (it still parses).</summary>
public sealed class IrDump(string directory)
{
    public const int ElideConstantsLargerThan = 1024;

    public string Directory { get; } = directory;

    public void WriteGraph(Graph.Graph graph) =>
        Write("graph.strata", GraphPrinter.Print(graph, new GraphPrinterOptions { ElideConstantsLargerThan = ElideConstantsLargerThan }));

    public void WriteProgram(TileProgram program) => Write("program.txt", TileCompiler.Describe(program));

    public void WriteStage(string kernel, int index, KernelStage stage) =>
        Write(Path.Combine(FileName(kernel), StageFileName(index, stage)), stage.Text);

    public void WriteConfig(string kernel, Config config) => Write(Path.Combine(FileName(kernel), "config.txt"), config + "\n");

    /// <summary><c>tile.03.SimplifyIndices.strata</c></summary>
    public static string StageFileName(int index, KernelStage stage) =>
        string.Create(CultureInfo.InvariantCulture, $"{(stage.Level == StageLevel.Tile ? "tile" : "block")}.{index:D2}.{FileName(stage.Pass)}.strata");

    public static string FileName(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray());
        return safe.Trim('.').Length == 0 ? "_" + safe : safe; // never "", "." or ".."
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(Directory, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
