using System.Collections.Immutable;
using Strata.Core;
using Strata.Machine;

namespace Strata.Runtime;

/// <summary>A Machine kernel run by the Machine interpreter (level Machine: targets this machine lacks, or a kernel
/// the backend refused).</summary>
internal sealed unsafe class MachineKernelRunner(MachineKernel kernel) : KernelRunner
{
    public MachineKernel Kernel { get; } = kernel;
    public override string Name => Kernel.Name;
    public override ExecutionLevel Level => ExecutionLevel.Machine;
    public override ImmutableArray<RunnerParam> Params { get; } = [.. kernel.Params.Select(RunnerParam.Of)];

    public override void Run(nint* args, RunContext context) =>
        throw new StrataException(ErrorCode.NotImplemented, $"the Machine interpreter is not available in this build to run kernel @{Name}",
            "run at --level block or native", $"kernel @{Name}");
}
