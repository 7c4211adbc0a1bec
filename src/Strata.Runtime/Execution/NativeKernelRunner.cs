using System.Collections.Immutable;
using Strata.Machine;
using Strata.Machine.Backend;

namespace Strata.Runtime;

/// <summary>A kernel compiled to native code: its program instances are split over the session's workers, each
/// worker with its own local scratch. Kernels with one instance or little memory traffic run on the caller (a
/// wake-up costs more than they do); so does one whose last run took less than waking the workers would, while they
/// sleep (its <see cref="WorkEstimate"/>, see <see cref="WorkerPool.SmallLoopMicroseconds"/>).</summary>
internal sealed unsafe class NativeKernelRunner(NativeKernel kernel) : KernelRunner
{
    /// <summary>Below this many bytes of arguments a kernel runs inline: a few microseconds of work at most.</summary>
    private const long ParallelThresholdBytes = 32 * 1024;

    private readonly bool _parallel = kernel.Kernel.Programs > 1
        && kernel.Kernel.Params.Sum(p => RunnerParam.Of(p).Bytes) >= ParallelThresholdBytes;

    /// <summary>The kernel's work when it last ran through the pool (shared by concurrent runs: a hint, not state).</summary>
    private readonly WorkEstimate _work = new();

    public NativeKernel Kernel { get; } = kernel;
    public override string Name => Kernel.Name;
    public override ExecutionLevel Level => ExecutionLevel.Native;
    public override MachineKernel? Machine => Kernel.Kernel;
    public override ImmutableArray<RunnerParam> Params { get; } = [.. kernel.Kernel.Params.Select(RunnerParam.Of)];
    public override long Programs => Kernel.Kernel.Programs;
    public override long LocalBytes => Kernel.LocalBytes;

    public override void Run(nint* args, RunContext context)
    {
        // Inline kernels call the code directly: no pool (most of a small model's kernels).
        if (!_parallel || context.Pool.Workers == 1)
        {
            Kernel.Run(args, 0, Programs, context.Locals(0));
            return;
        }
        context.RunParallel(Kernel, args, Programs, _work);
    }
}
