using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Count-limited 256-bit loads and stores with AVX masked moves (lanes at and beyond the count are neither
/// read nor written, and masked-off lanes never fault), for 4- and 8-byte lanes. The count is clamped into 0..lanes as
/// the interpreter defines. Small enough for RyuJIT to inline into the kernel (the lane-index vectors are constants, not statics, so no
/// class-initialisation check); used only where Avx2 is present.</summary>
internal static unsafe class MaskedLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Mask32(long count) => Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create((int)Math.Clamp(count, 0, 8)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Mask64(long count) => Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create(Math.Clamp(count, 0, 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p, long count, Vector256<float> other)
    {
        var m = Mask32(count).AsSingle();
        return Vector256.ConditionalSelect(m, Avx.MaskLoad(p, m), other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(double* p, long count, Vector256<double> other)
    {
        var m = Mask64(count).AsDouble();
        return Vector256.ConditionalSelect(m, Avx.MaskLoad(p, m), other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(int* p, long count, Vector256<int> other)
    {
        var m = Mask32(count);
        return Vector256.ConditionalSelect(m, Avx2.MaskLoad(p, m), other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<long> Load(long* p, long count, Vector256<long> other)
    {
        var m = Mask64(count);
        return Vector256.ConditionalSelect(m, Avx2.MaskLoad(p, m), other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, long count, Vector256<float> v) => Avx.MaskStore(p, Mask32(count).AsSingle(), v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double* p, long count, Vector256<double> v) => Avx.MaskStore(p, Mask64(count).AsDouble(), v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(int* p, long count, Vector256<int> v) => Avx2.MaskStore(p, Mask32(count), v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(long* p, long count, Vector256<long> v) => Avx2.MaskStore(p, Mask64(count), v);
}
