using Strata.Block.Compilation;
using Strata.Machine.Text;

namespace Strata.Machine.Compilation;

/// <summary>A kernel at the Machine level after one step: <c>machine/lower</c> (right after Block→Machine lowering)
/// or <c>machine/&lt;pass&gt;</c> (after a <see cref="Passes.MachinePipeline"/> pass), for <c>strata check</c>.</summary>
public sealed record MachineKernelStage(string Pass, MachineKernel Kernel) : KernelStage(StageLevel.Machine, Pass)
{
    public override string Text => MachinePrinter.Print(Kernel);
}
