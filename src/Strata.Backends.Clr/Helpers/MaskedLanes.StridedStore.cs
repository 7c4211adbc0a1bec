using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Stores of lane stride s ≥ 2 (p[l·s] = lane l) for 4- and 8-byte lanes: one scalar store per lane from the
/// register (<c>vextractps</c>/<c>vmovss</c> from the 128-bit quarter), no spill of the vector and no call. .NET has no
/// AVX-512 scatter, and a lane-by-lane copy of a spilled vector costs about twice as much (a 56×64 tile transposed
/// into a 56×56 plane, 1 thread CPU: 1.7 µs scalar loads and stores, 0.93 µs extracting stores).</summary>
internal static unsafe partial class MaskedLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStrided128<T>(T* p, long stride, Vector128<T> v) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4)
        {
            p[0] = v.GetElement(0);
            p[stride] = v.GetElement(1);
            p[2 * stride] = v.GetElement(2);
            p[3 * stride] = v.GetElement(3);
        }
        else
        {
            p[0] = v.GetElement(0);
            p[stride] = v.GetElement(1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStrided256<T>(T* p, long stride, Vector256<T> v) where T : unmanaged
    {
        StoreStrided128(p, stride, v.GetLower());
        StoreStrided128(p + Vector128<T>.Count * stride, stride, v.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStrided512<T>(T* p, long stride, Vector512<T> v) where T : unmanaged
    {
        StoreStrided256(p, stride, v.GetLower());
        StoreStrided256(p + Vector256<T>.Count * stride, stride, v.GetUpper());
    }

    /// <summary>Only the lanes from ≤ l &lt; count (clamped to the vector) are written.</summary>
    public static void StoreStridedRange128<T>(T* p, long stride, long from, long count, Vector128<T> v) where T : unmanaged
    {
        long n = Math.Clamp(count, 0, Vector128<T>.Count);
        for (long l = Math.Clamp(from, 0, n); l < n; l++) p[l * stride] = v.GetElement((int)l);
    }

    public static void StoreStridedRange256<T>(T* p, long stride, long from, long count, Vector256<T> v) where T : unmanaged
    {
        long n = Math.Clamp(count, 0, Vector256<T>.Count);
        for (long l = Math.Clamp(from, 0, n); l < n; l++) p[l * stride] = v.GetElement((int)l);
    }

    public static void StoreStridedRange512<T>(T* p, long stride, long from, long count, Vector512<T> v) where T : unmanaged
    {
        long n = Math.Clamp(count, 0, Vector512<T>.Count);
        for (long l = Math.Clamp(from, 0, n); l < n; l++) p[l * stride] = v.GetElement((int)l);
    }
}
