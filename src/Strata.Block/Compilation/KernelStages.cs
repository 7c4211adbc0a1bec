using Strata.Block.Text;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Block.Compilation;

/// <summary>The level a stage of compilation belongs to (Machine stages are made by the Machine level, which
/// references this one).</summary>
public enum StageLevel { Tile, Block, Machine }

/// <summary>One kernel as it was after one step of compilation: <c>tile/fusion</c> (as fusion formed it),
/// <c>tile/&lt;pass&gt;</c>, <c>block/lower</c> (right after Tile→Block lowering), <c>block/&lt;pass&gt;</c>.</summary>
public abstract record KernelStage(StageLevel Level, string Pass)
{
    /// <summary>The names used by stages that are not passes: the kernel as fusion formed it, and as lowering made it.</summary>
    public const string Fusion = "fusion", Lower = "lower";

    /// <summary><c>tile/UnifyAxes</c>, <c>block/lower</c>, <c>machine/lower</c>.</summary>
    public string Name => Prefix(Level) + Pass;

    /// <summary><c>tile/</c>, <c>block/</c>, <c>machine/</c>.</summary>
    public static string Prefix(StageLevel level) => level switch
    {
        StageLevel.Tile => "tile/",
        StageLevel.Block => "block/",
        _ => "machine/",
    };

    /// <summary>The kernel's text at this stage.</summary>
    public abstract string Text { get; }

    public override string ToString() => Name;
}

public sealed record TileStage(string Pass, TileKernel Kernel) : KernelStage(StageLevel.Tile, Pass)
{
    public override string Text => TilePrinter.Print(Kernel);
}

public sealed record BlockStage(string Pass, BlockKernel Kernel) : KernelStage(StageLevel.Block, Pass)
{
    public override string Text => BlockPrinter.Print(Kernel);
}

/// <summary>A kernel that did not compile: the stage whose pass (or lowering, or verification) failed, and why.</summary>
public sealed record StageFailure(StageLevel Level, string Pass, string Message)
{
    public string Name => KernelStage.Prefix(Level) + Pass;
}
