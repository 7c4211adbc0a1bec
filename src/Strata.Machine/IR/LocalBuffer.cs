using Strata.Core;

namespace Strata.Machine;

/// <summary>Memory private to one program instance (a materialised block, a packing buffer): <see cref="Length"/>
/// elements, 64-byte aligned, contents undefined when the instance starts. The runtime gives each worker thread
/// one scratch area that holds all buffers of the kernel.</summary>
public sealed record LocalBuffer(string Name, DataType Element, long Length)
{
    public long Bytes => Length * Math.Max(1, Element.BitWidth() / 8);
}
