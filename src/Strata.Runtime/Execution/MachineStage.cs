using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;

namespace Strata.Runtime;

/// <summary>Block→Machine lowering of every kernel of a compiled model for a target: per kernel (in model order) the
/// Machine kernel, or why it did not lower.</summary>
internal static class MachineStage
{
    public static IReadOnlyList<(MachineKernel? Kernel, string? Failure)> Lower(CompiledModel model, Target target) =>
        [.. model.Kernels.Select(_ => ((MachineKernel?)null, (string?)"Block→Machine lowering is not available in this build"))];
}
