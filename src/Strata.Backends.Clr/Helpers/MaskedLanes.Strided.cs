using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Loads of lane stride s (lane l = p[l·s]) for 4- and 8-byte lanes. Stride 2 is two contiguous loads and one
/// deinterleaving permute: the second load starts at lane L - 1 (p[L-1 .. 2L-2]), so the pair covers exactly the
/// elements the lanes need, p[0 .. 2(L-1)], and even a full load reads nothing past the last lane's element
/// (AVX-512: <c>vpermt2ps</c>/<c>vpermt2pd</c>; AVX2: two <c>vpermps</c>/<c>vpermpd</c> and a blend; 128 bits:
/// <c>shufps</c>/<c>shufpd</c>). With a lane range [from, count) both loads are masked to the elements the active
/// lanes read (lane l reads element 2l of the pair: the first load's j ∈ [2·from, 2·count - 1), the second's shifted by
/// L - 1), then the inactive lanes take <c>other</c>. Other strides gather (AVX2 <c>vgatherdps</c>/<c>vgatherdpd</c>,
/// masked to the active lanes; 512 bits as two 256-bit gathers: .NET has no AVX-512 gather). A stride-2 range that turns
/// out at run time to cover every lane (a pool's row block counted min(rest, lanes)) takes the unmasked pair.</summary>
internal static unsafe partial class MaskedLanes
{
    // ---- stride 2, 128 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadStride2x128<T>(T* p) where T : unmanaged =>
        Deinterleave(Vector128.Load(p), Vector128.Load(p + Vector128<T>.Count - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadStride2Range128<T>(T* p, long from, long count, Vector128<T> other) where T : unmanaged
    {
        const int L = 16;
        int n = L / Unsafe.SizeOf<T>();
        if (from <= 0 && count >= n) return LoadStride2x128(p);   // every lane active: the plain loads
        long f = Math.Clamp(from, 0, n), c = Math.Clamp(count, 0, n);
        var a = Read(p, Mask128<T>(2 * f, 2 * c - 1), Vector128<T>.Zero);
        var b = Read(p + n - 1, Mask128<T>(2 * f - (n - 1), 2 * c - 1 - (n - 1)), Vector128<T>.Zero);
        return Vector128.ConditionalSelect(Mask128<T>(f, c), Deinterleave(a, b), other);
    }

    /// <summary>Lanes 0, 2, … of <paramref name="a"/> = p[0..n-1], then lanes 1, 3, … of <paramref name="b"/> = p[n-1..2n-2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Deinterleave<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged => Unsafe.SizeOf<T>() == 4
        ? Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_10_00).As<float, T>()
        : Sse2.Shuffle(a.AsDouble(), b.AsDouble(), 0b10).As<double, T>();

    // ---- stride 2, 256 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadStride2x256<T>(T* p) where T : unmanaged =>
        Deinterleave(Vector256.Load(p), Vector256.Load(p + Vector256<T>.Count - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadStride2Range256<T>(T* p, long from, long count, Vector256<T> other) where T : unmanaged
    {
        const int L = 32;
        int n = L / Unsafe.SizeOf<T>();
        if (from <= 0 && count >= n) return LoadStride2x256(p);   // every lane active: the plain loads
        long f = Math.Clamp(from, 0, n), c = Math.Clamp(count, 0, n);
        var a = Read(p, Mask256<T>(2 * f, 2 * c - 1), Vector256<T>.Zero);
        var b = Read(p + n - 1, Mask256<T>(2 * f - (n - 1), 2 * c - 1 - (n - 1)), Vector256<T>.Zero);
        return Vector256.ConditionalSelect(Mask256<T>(f, c), Deinterleave(a, b), other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Deinterleave<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4)
        {
            if (Avx512F.VL.IsSupported)
                return Avx512F.VL.PermuteVar8x32x2(a.AsSingle(), Vector256.Create(0, 2, 4, 6, 9, 11, 13, 15), b.AsSingle()).As<float, T>();
            var lo = Avx2.PermuteVar8x32(a.AsSingle(), Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6));
            var hi = Avx2.PermuteVar8x32(b.AsSingle(), Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7));
            return Avx.Blend(lo, hi, 0xF0).As<float, T>();
        }
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.PermuteVar4x64x2(a.AsDouble(), Vector256.Create(0L, 2, 5, 7), b.AsDouble()).As<double, T>();
        var lo64 = Avx2.Permute4x64(a.AsDouble(), 0b00_00_10_00);
        var hi64 = Avx2.Permute4x64(b.AsDouble(), 0b11_01_00_00);
        return Avx.Blend(lo64, hi64, 0b1100).As<double, T>();
    }

    // ---- stride 2, 512 bits ----
    // Written per lane size with the intrinsics inline (no helper calls, no typeof ladders): a kernel has many of
    // these loads (a stride-2 depthwise conv 18), and RyuJIT's inline budget for the kernel ran out when each one
    // brought five small inlinees (then every Vector512 operator after it became a call).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Load512B4<T>(T* p) where T : unmanaged =>
        Avx512F.PermuteVar16x32x2(Vector512.Load((float*)p), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31),
            Vector512.Load((float*)p + 15)).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Load512B8<T>(T* p) where T : unmanaged =>
        Avx512F.PermuteVar8x64x2(Vector512.Load((double*)p), Vector512.Create(0L, 2, 4, 6, 9, 11, 13, 15), Vector512.Load((double*)p + 7)).As<double, T>();

    /// <summary>The even lanes of the contiguous pair (a, b) = p[0..32) of 4-byte elements: the stride-2 load at p, when
    /// the one at p + 1 loads the same pair (KernelEmitter.Stride2Pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Even512B4<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged =>
        Avx512F.PermuteVar16x32x2(a.As<T, float>(), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b.As<T, float>()).As<float, T>();

    /// <summary>The odd lanes of the pair: the stride-2 load at p + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Odd512B4<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged =>
        Avx512F.PermuteVar16x32x2(a.As<T, float>(), Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b.As<T, float>()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Even512B8<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged =>
        Avx512F.PermuteVar8x64x2(a.As<T, double>(), Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14), b.As<T, double>()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Odd512B8<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged =>
        Avx512F.PermuteVar8x64x2(a.As<T, double>(), Vector512.Create(1L, 3, 5, 7, 9, 11, 13, 15), b.As<T, double>()).As<double, T>();

    /// <summary>Lanes [from, count) of stride 2, 16 lanes of 4 bytes: element j of the pair (p[0..15], p[15..30]) is
    /// needed when 2·from ≤ j &lt; 2·count - 1, one unsigned compare per load as in <see cref="Mask512{T}(long, long)"/>.
    /// A range that covers every lane (known only at run time where a row block's count is min(rest, 16)) takes the
    /// unmasked loads, as <see cref="Stride2Load512B4{T}(T*)"/>: one predicted branch instead of two compares, two
    /// masked loads and a blend per load (a constant range folds the branch away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Range512B4<T>(T* p, long from, long count, Vector512<T> other) where T : unmanaged
    {
        if (from <= 0 && count >= 16)   // every lane active (a row block's full vectors): the plain two loads
            return Avx512F.PermuteVar16x32x2(Vector512.Load((float*)p), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31),
                Vector512.Load((float*)p + 15)).As<float, T>();
        int f = from <= 0 ? 0 : from >= 16 ? 16 : (int)from;
        int c = count <= 0 ? 0 : count >= 16 ? 16 : (int)count;
        int lanes = c > f ? c - f : 0;
        var d = (Vector512<int>.Indices - Vector512.Create(2 * f)).AsUInt32();
        var span = Vector512.Create((uint)(lanes > 0 ? 2 * lanes - 1 : 0));
        var a = Avx512F.MaskLoad((float*)p, Vector512.LessThan(d, span).AsSingle(), Vector512<float>.Zero);
        var b = Avx512F.MaskLoad((float*)p + 15, Vector512.LessThan(d + Vector512.Create(15u), span).AsSingle(), Vector512<float>.Zero);
        var r = Avx512F.PermuteVar16x32x2(a, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31), b);
        var m = Vector512.LessThan((Vector512<int>.Indices - Vector512.Create(f)).AsUInt32(), Vector512.Create((uint)lanes));
        return Vector512.ConditionalSelect(m.AsSingle(), r, other.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Stride2Range512B8<T>(T* p, long from, long count, Vector512<T> other) where T : unmanaged
    {
        if (from <= 0 && count >= 8)
            return Avx512F.PermuteVar8x64x2(Vector512.Load((double*)p), Vector512.Create(0L, 2, 4, 6, 9, 11, 13, 15), Vector512.Load((double*)p + 7)).As<double, T>();
        long f = from <= 0 ? 0 : from >= 8 ? 8 : from;
        long c = count <= 0 ? 0 : count >= 8 ? 8 : count;
        long lanes = c > f ? c - f : 0;
        var d = (Vector512<long>.Indices - Vector512.Create(2 * f)).AsUInt64();
        var span = Vector512.Create((ulong)(lanes > 0 ? 2 * lanes - 1 : 0));
        var a = Avx512F.MaskLoad((double*)p, Vector512.LessThan(d, span).AsDouble(), Vector512<double>.Zero);
        var b = Avx512F.MaskLoad((double*)p + 7, Vector512.LessThan(d + Vector512.Create(7ul), span).AsDouble(), Vector512<double>.Zero);
        var r = Avx512F.PermuteVar8x64x2(a, Vector512.Create(0L, 2, 4, 6, 9, 11, 13, 15), b);
        var m = Vector512.LessThan((Vector512<long>.Indices - Vector512.Create(f)).AsUInt64(), Vector512.Create((ulong)lanes));
        return Vector512.ConditionalSelect(m.AsDouble(), r, other.AsDouble()).As<double, T>();
    }

    // ---- other strides: gathers ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadStridedRange256<T>(T* p, long stride, long from, long count, Vector256<T> other) where T : unmanaged =>
        Gather256(p, (int)stride, Mask256<T>(from, count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadStridedRange512<T>(T* p, long stride, long from, long count, Vector512<T> other) where T : unmanaged
    {
        var m = Mask512<T>(from, count);
        var lo = Gather256(p, (int)stride, m.GetLower(), other.GetLower());
        var hi = Gather256(p + Vector256<T>.Count * stride, (int)stride, m.GetUpper(), other.GetUpper());
        return Vector512.Create(lo, hi);
    }

    /// <summary>Lane l = p[l·stride] where the mask lane is set, else other's lane; masked-off lanes read nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Gather256<T>(T* p, int stride, Vector256<T> mask, Vector256<T> other) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4)
            return Avx2.GatherMaskVector256(other.AsSingle(), (float*)p, Vector256<int>.Indices * stride, mask.AsSingle(), 4).As<float, T>();
        return Avx2.GatherMaskVector256(other.AsDouble(), (double*)p, Vector128<int>.Indices * stride, mask.AsDouble(), 8).As<double, T>();
    }
}
