using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Lane numbers 0, 1, 2, … as 512-bit vectors of each lane type: the iota that inline masked moves compare
/// against the count (KernelEmitter.MaskedInline). Initialised before a kernel is JIT'd, so RyuJIT reads the
/// readonly fields as constants.</summary>
internal static class LaneIndices
{
    public static readonly Vector512<float> Single = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<double> Double = Vector512.Create(0d, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<int> Int32 = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<uint> UInt32 = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<long> Int64 = Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<ulong> UInt64 = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
}
