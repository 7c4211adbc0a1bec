using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Block.Compilation;

/// <summary>One kernel of a compiled model, at every level.</summary>
/// <param name="FusedStep">The step as fusion formed it: its inputs are bound to the fused kernel's inputs (which the Tile
/// passes may prune), so every stage's kernel can find its input values by buffer name.</param>
/// <param name="Step">The step after the Tile passes (as in <see cref="CompiledModel.Program"/>).</param>
/// <param name="Config">The config it was lowered with (null if it failed before).</param>
/// <param name="Block">The Block kernel after the Block passes (null if it failed).</param>
/// <param name="TileStages">With <see cref="CompilerOptions.RecordStages"/>: the kernel after fusion and after each Tile pass.</param>
/// <param name="BlockStages">With <see cref="CompilerOptions.RecordStages"/>: the kernel after lowering and after each Block pass.</param>
/// <param name="Failure">With <see cref="CompilerOptions.ContinueOnKernelError"/>: where and why compilation of this kernel stopped.</param>
public sealed record CompiledKernel(
    KernelStep FusedStep,
    KernelStep Step,
    Config? Config,
    BlockKernel? Block,
    ImmutableArray<TileStage> TileStages,
    ImmutableArray<BlockStage> BlockStages,
    StageFailure? Failure)
{
    public string Name => Step.Kernel.Name;

    /// <summary>Every recorded stage in order: Tile stages, then Block stages.</summary>
    public IEnumerable<KernelStage> Stages => TileStages.Cast<KernelStage>().Concat(BlockStages);

    /// <summary>The graph value bound to the kernel input named <paramref name="buffer"/> (at any stage).</summary>
    public Graph.Value InputValue(string buffer)
    {
        var inputs = FusedStep.Kernel.Inputs;
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i].Name == buffer) return FusedStep.Inputs[i];
        throw new Core.StrataException(Core.ErrorCode.InvalidIr, $"kernel @{Name} has no input %{buffer}",
            "a pass may drop inputs but never add them", $"tile kernel @{Name}");
    }
}
