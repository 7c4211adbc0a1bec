using Strata.Block.Passes;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Fusion;
using Strata.Tile.Passes;

namespace Strata.Block.Compilation;

/// <summary>How <see cref="Compiler"/> compiles: the pass lists of every level (inject extra passes with
/// <see cref="TilePipeline.With"/> / <see cref="BlockPipeline.With"/>), how a kernel's config is chosen, and the
/// feedback switches (<c>--verify-each</c>, <c>--dump-ir DIR</c>, recording of every stage).</summary>
public sealed record CompilerOptions
{
    public static CompilerOptions Default { get; } = new();

    /// <summary>Ops and Tile lowerings (default: the built-in ones).</summary>
    public ExtensionRegistry Registry { get; init; } = TileRegistry.Default;

    /// <summary>The graph passes before fusion (null: <see cref="GraphPipeline.Standard"/> with <see cref="Registry"/>'s ops).</summary>
    public GraphPipeline? GraphPasses { get; init; }

    public FusionOptions Fusion { get; init; } = FusionOptions.Default;

    /// <summary>The Tile passes run on every kernel after fusion.</summary>
    public TilePipeline TilePasses { get; init; } = TilePipeline.Default;

    /// <summary>The config of each kernel after the Tile passes (null: <see cref="KnobSpace.Default"/>, the default heuristic).</summary>
    public Func<TileKernel, Config>? ChooseConfig { get; init; }

    /// <summary>The Block passes run on every kernel after Tile→Block lowering.</summary>
    public BlockPipeline BlockPasses { get; init; } = BlockPipeline.Default;

    /// <summary>Verify the graph after each graph pass, each Tile kernel after fusion and each Tile pass, each Block kernel
    /// after lowering and each Block pass (<c>--verify-each</c>); the first problem stops compilation, naming the pass.</summary>
    public bool VerifyEach { get; init; }

    /// <summary>Write every level's text into this folder (<c>--dump-ir DIR</c>); see <see cref="IrDump"/> for the layout.</summary>
    public string? DumpDirectory { get; init; }

    /// <summary>Keep every kernel at every stage in <see cref="CompiledKernel.TileStages"/> and
    /// <see cref="CompiledKernel.BlockStages"/> (for <c>strata check</c> and tests).</summary>
    public bool RecordStages { get; init; }

    /// <summary>When a kernel fails to compile (a pass throws, lowering throws, a verifier objects), record the failure in
    /// <see cref="CompiledKernel.Failure"/> and go on with the other kernels instead of throwing.</summary>
    public bool ContinueOnKernelError { get; init; }

    /// <summary>Numeric inputs with at most this many elements are compiled as constants (see
    /// <see cref="Tile.Execution.TileCompilerOptions.SpecializeSmallInputs"/>).</summary>
    public int SpecializeSmallInputs { get; init; }

    /// <summary>See <see cref="Tile.Execution.TileCompilerOptions.MergeContractionTaps"/> (im2col convs: where the cost rule says).</summary>
    public TapMerging MergeContractionTaps { get; init; } = TapMerging.Default;

    /// <summary>See <see cref="Tile.Execution.TileCompilerOptions.PanelConstantWeights"/>.</summary>
    public bool PanelConstantWeights { get; init; } = true;

    /// <summary>See <see cref="Tile.Execution.TileCompilerOptions.SplitColumnParity"/>.</summary>
    public bool SplitColumnParity { get; init; } = true;
}
