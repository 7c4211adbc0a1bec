using Strata.Machine;
using Strata.Machine.Backend;

namespace Strata.Backends.Clr;

/// <summary>A kernel compiled by <see cref="ClrBackend"/>: a delegate over the DynamicMethod holding its code.</summary>
internal sealed unsafe class ClrNativeKernel(MachineKernel kernel, ClrNativeKernel.Body body, long localBytes, int checkedAccesses, int pairedStride2Loads = 0) : NativeKernel(kernel)
{
    public delegate void Body(nint* args, long begin, long end, nint locals);

    public override long LocalBytes { get; } = localBytes;

    /// <summary>How many loads/stores were emitted with a bounds check (for tests and reports).</summary>
    public int CheckedAccesses { get; } = checkedAccesses;

    /// <summary>How many stride-2 loads share one contiguous pair with another (KernelEmitter.Stride2Pairs; for tests).</summary>
    public int PairedStride2Loads { get; } = pairedStride2Loads;

    public override void Run(nint* args, long begin, long end, nint locals) => body(args, begin, end, locals);
}
