using System.Runtime.InteropServices;

namespace Strata.Runtime;

/// <summary>A block of native memory, 64-byte aligned, zero-filled when allocated, freed on <see cref="Dispose"/>
/// (or by the finalizer if the owner forgets). Native kernels read and write it through raw pointers.</summary>
public sealed unsafe class AlignedBuffer : IDisposable
{
    private void* _data;

    public AlignedBuffer(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Bytes = bytes;
        // Never a zero-byte allocation: every buffer has a distinct, valid, aligned address.
        _data = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, MemoryPlan.Alignment), (nuint)MemoryPlan.Alignment);
        NativeMemory.Clear(_data, (nuint)Math.Max(bytes, MemoryPlan.Alignment));
    }

    public long Bytes { get; }

    public nint Address => _data is null ? throw new ObjectDisposedException(nameof(AlignedBuffer)) : (nint)_data;

    public void Dispose()
    {
        if (_data is null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        GC.SuppressFinalize(this);
    }

    ~AlignedBuffer()
    {
        if (_data is not null) NativeMemory.AlignedFree(_data);
    }
}
