using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Lowering;

namespace Strata.Runtime;

/// <summary>Block→Machine lowering (<see cref="BlockToMachine"/>) of every kernel of a compiled model for a target:
/// per kernel (in model order) the Machine kernel, or why it did not lower (the kernel then runs at the Block level).</summary>
internal static class MachineStage
{
    public static IReadOnlyList<(MachineKernel? Kernel, string? Failure)> Lower(CompiledModel model, Target target) =>
        [.. model.Kernels.Select(k => Lower(k, target))];

    private static (MachineKernel?, string?) Lower(CompiledKernel kernel, Target target)
    {
        if (kernel.Block is not { } block || kernel.Config is not { } config) return (null, "the kernel has no Block form");
        try
        {
            return (BlockToMachine.Lower(block, config, target), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}");
        }
    }
}
