namespace Strata.Machine.Backend;

/// <summary>A compiled kernel. <see cref="Run"/> executes the program instances with linear ids
/// [<paramref name="begin"/>, <paramref name="end"/>) (row-major over the grid: the last grid axis varies fastest) on
/// the calling thread. <c>args[i]</c> points at the data of <c>Kernel.Params[i]</c> (row-major, its exact element
/// type and size); <c>locals</c> points at <see cref="LocalBytes"/> bytes of 64-byte-aligned scratch owned by the
/// calling thread (the kernel's <see cref="LocalBuffer"/>s live there). Different ranges may run on different threads
/// at the same time; one range must not be split between concurrent calls sharing one <c>locals</c>.</summary>
public abstract unsafe class NativeKernel(MachineKernel kernel)
{
    public MachineKernel Kernel { get; } = kernel;

    public string Name => Kernel.Name;

    /// <summary>Bytes of per-thread scratch <see cref="Run"/> needs (0 if the kernel has no local buffers).</summary>
    public abstract long LocalBytes { get; }

    /// <summary>How long compiling took (emission and JIT), for reports and the tuner.</summary>
    public TimeSpan CompileTime { get; init; }

    public abstract void Run(nint* args, long begin, long end, nint locals);
}
