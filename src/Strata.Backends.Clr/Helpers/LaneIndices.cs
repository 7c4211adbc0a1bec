using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Lane numbers 0, 1, 2, … as 512-, 256- and 128-bit vectors of each lane type: the iota that inline masked
/// moves compare against the count (KernelEmitter.MaskedInline). Initialised before a kernel is JIT'd, so RyuJIT reads the
/// readonly fields as constants.</summary>
internal static class LaneIndices
{
    public static readonly Vector512<float> Single = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<double> Double = Vector512.Create(0d, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<int> Int32 = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<uint> UInt32 = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    public static readonly Vector512<long> Int64 = Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector512<ulong> UInt64 = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);

    public static readonly Vector256<float> Single256 = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector256<double> Double256 = Vector256.Create(0d, 1, 2, 3);
    public static readonly Vector256<int> Int32256 = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector256<uint> UInt32256 = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
    public static readonly Vector256<long> Int64256 = Vector256.Create(0L, 1, 2, 3);
    public static readonly Vector256<ulong> UInt64256 = Vector256.Create(0UL, 1, 2, 3);

    public static readonly Vector128<float> Single128 = Vector128.Create(0f, 1, 2, 3);
    public static readonly Vector128<double> Double128 = Vector128.Create(0d, 1);
    public static readonly Vector128<int> Int32128 = Vector128.Create(0, 1, 2, 3);
    public static readonly Vector128<uint> UInt32128 = Vector128.Create(0u, 1, 2, 3);
    public static readonly Vector128<long> Int64128 = Vector128.Create(0L, 1);
    public static readonly Vector128<ulong> UInt64128 = Vector128.Create(0UL, 1);
}
