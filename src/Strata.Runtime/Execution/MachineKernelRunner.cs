using System.Collections.Immutable;
using Strata.Machine;

namespace Strata.Runtime;

/// <summary>A Machine kernel run by the Machine interpreter on the arena's memory (level Machine: targets this machine
/// lacks, or a kernel the backend refused).</summary>
internal sealed unsafe class MachineKernelRunner(MachineKernel kernel) : KernelRunner
{
    public MachineKernel Kernel { get; } = kernel;
    public override string Name => Kernel.Name;
    public override ExecutionLevel Level => ExecutionLevel.Machine;
    public override MachineKernel? Machine => Kernel;
    public override ImmutableArray<RunnerParam> Params { get; } = [.. kernel.Params.Select(RunnerParam.Of)];

    public override void Run(nint* args, RunContext context) => MachineInterpreter.Run(Kernel, Views(args));
}
