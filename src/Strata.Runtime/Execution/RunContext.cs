using System.Buffers;
using Strata.Core;
using Strata.Machine.Backend;

namespace Strata.Runtime;

/// <summary>Everything one run of a program owns: the arena, per-worker local scratch, the argument pointer arrays of
/// the kernel steps, the address and value of every slot. A program rents one per run from a pool, so concurrent
/// runs never share memory; the arena and scratch are allocated once per context and reused.</summary>
internal sealed unsafe class RunContext : IDisposable
{
    private readonly AlignedBuffer _arena;
    private readonly AlignedBuffer _locals;
    private readonly AlignedBuffer _args;
    private readonly long _localStride;

    public RunContext(WorkerPool pool, long arenaBytes, long localBytes, int argCount, int slots)
    {
        Pool = pool;
        _arena = new AlignedBuffer(arenaBytes);
        _localStride = MemoryPlan.Align(localBytes);
        _locals = new AlignedBuffer(_localStride * pool.Workers);
        _args = new AlignedBuffer((long)argCount * sizeof(nint));
        Addresses = new nint[slots];
        Values = new RuntimeValue?[slots];
        _parallelBody = RunChunk;
    }

    private readonly ParallelBody _parallelBody;
    private NativeKernel? _parallelKernel;
    private nint _parallelArgs;

    /// <summary>Runs a native kernel's programs over the pool through one delegate made with the context, not a closure
    /// per call: a run's kernels run one after another, so the kernel and its arguments can wait in fields.</summary>
    public void RunParallel(NativeKernel kernel, nint* args, long programs, WorkEstimate work)
    {
        _parallelKernel = kernel;
        _parallelArgs = (nint)args;
        try
        {
            Pool.For(programs, _parallelBody, work: work);
        }
        finally
        {
            _parallelKernel = null;
        }
    }

    private void RunChunk(long begin, long end, int worker) =>
        _parallelKernel!.Run((nint*)_parallelArgs, begin, end, Locals(worker));

    public WorkerPool Pool { get; }
    public nint Arena => _arena.Address;
    public nint* Args => (nint*)_args.Address;

    /// <summary>The address of each slot's data (0 when it has none in this run).</summary>
    public nint[] Addresses { get; }

    /// <summary>The managed value of each slot, where the run has one (inputs, outputs, constants, fallback values).</summary>
    public RuntimeValue?[] Values { get; }

    /// <summary>Pins taken for this run (inputs, outputs); released by <see cref="EndRun"/>.</summary>
    public List<MemoryHandle> Pins { get; } = [];

    public nint Locals(int worker) => _locals.Address + (nint)(worker * _localStride);

    /// <summary>Drops every reference and pin of the run, so the context can be reused.</summary>
    public void EndRun()
    {
        foreach (var pin in Pins) pin.Dispose();
        Pins.Clear();
        Array.Clear(Values);
    }

    public void Dispose()
    {
        EndRun();
        _arena.Dispose();
        _locals.Dispose();
        _args.Dispose();
    }
}
