using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Lane-limited loads and stores with x86 masked moves: only lanes l with from ≤ l &lt; count are read or
/// written (from and count are clamped into 0..lanes as the interpreter defines; without a from it is 0), and
/// masked-off lanes never fault. For 4- and 8-byte lanes (f32, f64, i32, i64, u32, u64) of 128, 256 and 512 bits:
/// AVX-512 masked moves (<c>vmovups zmm{k}</c>, AVX-512VL for the narrower widths) where the host has them, else AVX
/// <c>vmaskmov</c>. The mask is an iota compared against the broadcast bounds (one unsigned compare for a range). Generic over the lane type so one body
/// serves all six: <c>typeof(T)</c> tests and <see cref="Unsafe.SizeOf{T}"/> are constants to RyuJIT, and the methods
/// are small enough to inline into the kernel. Used only where Avx2 (128/256 bits) or Avx512F (512 bits) is present.</summary>
internal static unsafe partial class MaskedLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Mask128<T>(long from, long count) where T : unmanaged
    {
        // from ≤ l < count as one unsigned compare: l - from < count - from (lanes before from wrap to huge values; an
        // empty range has span 0).
        if (Unsafe.SizeOf<T>() == 4)
        {
            int f = (int)Math.Clamp(from, 0, 4);
            var span = Vector128.Create((uint)Math.Max((int)Math.Clamp(count, 0, 4) - f, 0));
            return Vector128.LessThan((Vector128<int>.Indices - Vector128.Create(f)).AsUInt32(), span).As<uint, T>();
        }
        long f64 = Math.Clamp(from, 0, 2);
        var span64 = Vector128.Create((ulong)Math.Max(Math.Clamp(count, 0, 2) - f64, 0));
        return Vector128.LessThan((Vector128<long>.Indices - Vector128.Create(f64)).AsUInt64(), span64).As<ulong, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Mask128<T>(long count) where T : unmanaged => Unsafe.SizeOf<T>() == 4
        ? Vector128.LessThan(Vector128<int>.Indices, Vector128.Create((int)Math.Clamp(count, 0, 4))).As<int, T>()
        : Vector128.LessThan(Vector128<long>.Indices, Vector128.Create(Math.Clamp(count, 0, 2))).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Mask256<T>(long from, long count) where T : unmanaged
    {
        // from ≤ l < count as one unsigned compare: l - from < count - from (lanes before from wrap to huge values; an
        // empty range has span 0).
        if (Unsafe.SizeOf<T>() == 4)
        {
            int f = (int)Math.Clamp(from, 0, 8);
            var span = Vector256.Create((uint)Math.Max((int)Math.Clamp(count, 0, 8) - f, 0));
            return Vector256.LessThan((Vector256<int>.Indices - Vector256.Create(f)).AsUInt32(), span).As<uint, T>();
        }
        long f64 = Math.Clamp(from, 0, 4);
        var span64 = Vector256.Create((ulong)Math.Max(Math.Clamp(count, 0, 4) - f64, 0));
        return Vector256.LessThan((Vector256<long>.Indices - Vector256.Create(f64)).AsUInt64(), span64).As<ulong, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Mask256<T>(long count) where T : unmanaged => Unsafe.SizeOf<T>() == 4
        ? Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((int)Math.Clamp(count, 0, 8))).As<int, T>()
        : Vector256.LessThan(Vector256<long>.Indices, Vector256.Create(Math.Clamp(count, 0, 4))).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Mask512<T>(long from, long count) where T : unmanaged
    {
        // from ≤ l < count as one unsigned compare: l - from < count - from (lanes before from wrap to huge values; an
        // empty range has span 0).
        if (Unsafe.SizeOf<T>() == 4)
        {
            int f = (int)Math.Clamp(from, 0, 16);
            var span = Vector512.Create((uint)Math.Max((int)Math.Clamp(count, 0, 16) - f, 0));
            return Vector512.LessThan((Vector512<int>.Indices - Vector512.Create(f)).AsUInt32(), span).As<uint, T>();
        }
        long f64 = Math.Clamp(from, 0, 8);
        var span64 = Vector512.Create((ulong)Math.Max(Math.Clamp(count, 0, 8) - f64, 0));
        return Vector512.LessThan((Vector512<long>.Indices - Vector512.Create(f64)).AsUInt64(), span64).As<ulong, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Mask512<T>(long count) where T : unmanaged => Unsafe.SizeOf<T>() == 4
        ? Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)Math.Clamp(count, 0, 16))).As<int, T>()
        : Vector512.LessThan(Vector512<long>.Indices, Vector512.Create(Math.Clamp(count, 0, 8))).As<long, T>();

    /// <summary>No lane in [from, count) once both are clamped into 0..lanes. An empty access touches no memory at all:
    /// a masked move whose lanes are all off still takes a slow path (a microcode assist, hundreds of cycles on this
    /// AMD EPYC host) when its address lies on a page that is not mapped. The K tail of a packed GEMM block points
    /// past the end of its weight, row after row: shufflenet's classifier GEMV (544×1000, K blocks of 256) took 2.5 ms
    /// of CPU per run, 0.6 ms with them skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Empty(long from, long count, int lanes) => Math.Min(count, lanes) <= Math.Max(from, 0);

    // ---- 128 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load128<T>(T* p, long count, Vector128<T> other) where T : unmanaged =>
        count <= 0 ? other : Read(p, Mask128<T>(count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadRange128<T>(T* p, long from, long count, Vector128<T> other) where T : unmanaged =>
        Empty(from, count, Vector128<T>.Count) ? other : Read(p, Mask128<T>(from, count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store128<T>(T* p, long count, Vector128<T> v) where T : unmanaged
    {
        if (count > 0) Write(p, Mask128<T>(count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRange128<T>(T* p, long from, long count, Vector128<T> v) where T : unmanaged
    {
        if (!Empty(from, count, Vector128<T>.Count)) Write(p, Mask128<T>(from, count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Read<T>(T* p, Vector128<T> m, Vector128<T> other) where T : unmanaged
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.VL.MaskLoad((float*)p, m.AsSingle(), other.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.VL.MaskLoad((double*)p, m.AsDouble(), other.AsDouble()).As<double, T>();
            if (typeof(T) == typeof(int)) return Avx512F.VL.MaskLoad((int*)p, m.AsInt32(), other.AsInt32()).As<int, T>();
            if (typeof(T) == typeof(uint)) return Avx512F.VL.MaskLoad((uint*)p, m.AsUInt32(), other.AsUInt32()).As<uint, T>();
            if (typeof(T) == typeof(long)) return Avx512F.VL.MaskLoad((long*)p, m.AsInt64(), other.AsInt64()).As<long, T>();
            return Avx512F.VL.MaskLoad((ulong*)p, m.AsUInt64(), other.AsUInt64()).As<ulong, T>();
        }
        Vector128<T> r;
        if (typeof(T) == typeof(float)) r = Avx.MaskLoad((float*)p, m.AsSingle()).As<float, T>();
        else if (typeof(T) == typeof(double)) r = Avx.MaskLoad((double*)p, m.AsDouble()).As<double, T>();
        else if (typeof(T) == typeof(int)) r = Avx2.MaskLoad((int*)p, m.AsInt32()).As<int, T>();
        else if (typeof(T) == typeof(uint)) r = Avx2.MaskLoad((uint*)p, m.AsUInt32()).As<uint, T>();
        else if (typeof(T) == typeof(long)) r = Avx2.MaskLoad((long*)p, m.AsInt64()).As<long, T>();
        else r = Avx2.MaskLoad((ulong*)p, m.AsUInt64()).As<ulong, T>();
        return Vector128.ConditionalSelect(m, r, other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<T>(T* p, Vector128<T> m, Vector128<T> v) where T : unmanaged
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float)) Avx512F.VL.MaskStore((float*)p, m.AsSingle(), v.AsSingle());
            else if (typeof(T) == typeof(double)) Avx512F.VL.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
            else if (typeof(T) == typeof(int)) Avx512F.VL.MaskStore((int*)p, m.AsInt32(), v.AsInt32());
            else if (typeof(T) == typeof(uint)) Avx512F.VL.MaskStore((uint*)p, m.AsUInt32(), v.AsUInt32());
            else if (typeof(T) == typeof(long)) Avx512F.VL.MaskStore((long*)p, m.AsInt64(), v.AsInt64());
            else Avx512F.VL.MaskStore((ulong*)p, m.AsUInt64(), v.AsUInt64());
            return;
        }
        if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, m.AsSingle(), v.AsSingle());
        else if (typeof(T) == typeof(double)) Avx.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
        else if (typeof(T) == typeof(int)) Avx2.MaskStore((int*)p, m.AsInt32(), v.AsInt32());
        else if (typeof(T) == typeof(uint)) Avx2.MaskStore((uint*)p, m.AsUInt32(), v.AsUInt32());
        else if (typeof(T) == typeof(long)) Avx2.MaskStore((long*)p, m.AsInt64(), v.AsInt64());
        else Avx2.MaskStore((ulong*)p, m.AsUInt64(), v.AsUInt64());
    }

    // ---- 256 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load256<T>(T* p, long count, Vector256<T> other) where T : unmanaged =>
        count <= 0 ? other : Read(p, Mask256<T>(count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadRange256<T>(T* p, long from, long count, Vector256<T> other) where T : unmanaged =>
        Empty(from, count, Vector256<T>.Count) ? other : Read(p, Mask256<T>(from, count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store256<T>(T* p, long count, Vector256<T> v) where T : unmanaged
    {
        if (count > 0) Write(p, Mask256<T>(count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRange256<T>(T* p, long from, long count, Vector256<T> v) where T : unmanaged
    {
        if (!Empty(from, count, Vector256<T>.Count)) Write(p, Mask256<T>(from, count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Read<T>(T* p, Vector256<T> m, Vector256<T> other) where T : unmanaged
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.VL.MaskLoad((float*)p, m.AsSingle(), other.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.VL.MaskLoad((double*)p, m.AsDouble(), other.AsDouble()).As<double, T>();
            if (typeof(T) == typeof(int)) return Avx512F.VL.MaskLoad((int*)p, m.AsInt32(), other.AsInt32()).As<int, T>();
            if (typeof(T) == typeof(uint)) return Avx512F.VL.MaskLoad((uint*)p, m.AsUInt32(), other.AsUInt32()).As<uint, T>();
            if (typeof(T) == typeof(long)) return Avx512F.VL.MaskLoad((long*)p, m.AsInt64(), other.AsInt64()).As<long, T>();
            return Avx512F.VL.MaskLoad((ulong*)p, m.AsUInt64(), other.AsUInt64()).As<ulong, T>();
        }
        Vector256<T> r;
        if (typeof(T) == typeof(float)) r = Avx.MaskLoad((float*)p, m.AsSingle()).As<float, T>();
        else if (typeof(T) == typeof(double)) r = Avx.MaskLoad((double*)p, m.AsDouble()).As<double, T>();
        else if (typeof(T) == typeof(int)) r = Avx2.MaskLoad((int*)p, m.AsInt32()).As<int, T>();
        else if (typeof(T) == typeof(uint)) r = Avx2.MaskLoad((uint*)p, m.AsUInt32()).As<uint, T>();
        else if (typeof(T) == typeof(long)) r = Avx2.MaskLoad((long*)p, m.AsInt64()).As<long, T>();
        else r = Avx2.MaskLoad((ulong*)p, m.AsUInt64()).As<ulong, T>();
        return Vector256.ConditionalSelect(m, r, other);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<T>(T* p, Vector256<T> m, Vector256<T> v) where T : unmanaged
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float)) Avx512F.VL.MaskStore((float*)p, m.AsSingle(), v.AsSingle());
            else if (typeof(T) == typeof(double)) Avx512F.VL.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
            else if (typeof(T) == typeof(int)) Avx512F.VL.MaskStore((int*)p, m.AsInt32(), v.AsInt32());
            else if (typeof(T) == typeof(uint)) Avx512F.VL.MaskStore((uint*)p, m.AsUInt32(), v.AsUInt32());
            else if (typeof(T) == typeof(long)) Avx512F.VL.MaskStore((long*)p, m.AsInt64(), v.AsInt64());
            else Avx512F.VL.MaskStore((ulong*)p, m.AsUInt64(), v.AsUInt64());
            return;
        }
        if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, m.AsSingle(), v.AsSingle());
        else if (typeof(T) == typeof(double)) Avx.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
        else if (typeof(T) == typeof(int)) Avx2.MaskStore((int*)p, m.AsInt32(), v.AsInt32());
        else if (typeof(T) == typeof(uint)) Avx2.MaskStore((uint*)p, m.AsUInt32(), v.AsUInt32());
        else if (typeof(T) == typeof(long)) Avx2.MaskStore((long*)p, m.AsInt64(), v.AsInt64());
        else Avx2.MaskStore((ulong*)p, m.AsUInt64(), v.AsUInt64());
    }

    // ---- 512 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load512<T>(T* p, long count, Vector512<T> other) where T : unmanaged =>
        count <= 0 ? other : Read(p, Mask512<T>(count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadRange512<T>(T* p, long from, long count, Vector512<T> other) where T : unmanaged =>
        Empty(from, count, Vector512<T>.Count) ? other : Read(p, Mask512<T>(from, count), other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store512<T>(T* p, long count, Vector512<T> v) where T : unmanaged
    {
        if (count > 0) Write(p, Mask512<T>(count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRange512<T>(T* p, long from, long count, Vector512<T> v) where T : unmanaged
    {
        if (!Empty(from, count, Vector512<T>.Count)) Write(p, Mask512<T>(from, count), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Read<T>(T* p, Vector512<T> m, Vector512<T> other) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Avx512F.MaskLoad((float*)p, m.AsSingle(), other.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Avx512F.MaskLoad((double*)p, m.AsDouble(), other.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(int)) return Avx512F.MaskLoad((int*)p, m.AsInt32(), other.AsInt32()).As<int, T>();
        if (typeof(T) == typeof(uint)) return Avx512F.MaskLoad((uint*)p, m.AsUInt32(), other.AsUInt32()).As<uint, T>();
        if (typeof(T) == typeof(long)) return Avx512F.MaskLoad((long*)p, m.AsInt64(), other.AsInt64()).As<long, T>();
        return Avx512F.MaskLoad((ulong*)p, m.AsUInt64(), other.AsUInt64()).As<ulong, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<T>(T* p, Vector512<T> m, Vector512<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, m.AsSingle(), v.AsSingle());
        else if (typeof(T) == typeof(double)) Avx512F.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
        else if (typeof(T) == typeof(int)) Avx512F.MaskStore((int*)p, m.AsInt32(), v.AsInt32());
        else if (typeof(T) == typeof(uint)) Avx512F.MaskStore((uint*)p, m.AsUInt32(), v.AsUInt32());
        else if (typeof(T) == typeof(long)) Avx512F.MaskStore((long*)p, m.AsInt64(), v.AsInt64());
        else Avx512F.MaskStore((ulong*)p, m.AsUInt64(), v.AsUInt64());
    }
}
