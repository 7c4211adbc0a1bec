using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Machine.Passes;

namespace Strata.Runtime;

/// <summary>Block→Machine lowering (<see cref="MachineCompiler"/>) of every kernel of a compiled model for a target:
/// per kernel (in model order) the Machine kernel, or why it did not lower (the kernel then runs at the Block level).
/// The compiler's feedback switches carry over: <c>--verify-each</c> verifies every Machine kernel, <c>--dump-ir DIR</c>
/// writes its text beside the other levels'.</summary>
internal static class MachineStage
{
    public static IReadOnlyList<(MachineKernel? Kernel, string? Failure)> Lower(CompiledModel model, Target target,
        MachineLoweringOptions? options, CompilerOptions compiler, MachinePipeline? passes = null)
    {
        var o = (options ?? MachineLoweringOptions.Default) with
        {
            ContinueOnKernelError = true,
            VerifyEach = (options?.VerifyEach ?? false) || compiler.VerifyEach,
            DumpDirectory = options?.DumpDirectory ?? compiler.DumpDirectory,
        };
        return [.. MachineCompiler.Lower(model, target, o, passes).Kernels.Select(k => (k.Machine, k.Failure))];
    }
}
