using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary><c>shuffle</c>: a two-source lane permutation with constant indices. f32 patterns that one x86
/// instruction does — unpack lo/hi and shufps repeated in every 128-bit block, whole 128-bit blocks (vperm2f128,
/// vshuff32x4) — are emitted as that instruction (the transpose network of the Machine level is made of them); any
/// other pattern is vpermt2ps/pd on AVX-512, or elsewhere a one-source shuffle of each operand blended by a constant
/// mask (<c>VectorN.Shuffle</c> with constant indices, which RyuJIT compiles to a permute).</summary>
internal sealed partial class KernelEmitter
{
    private void EmitShuffle(ShuffleStmt sh)
    {
        var t = sh.Target.Type;
        int n = t.Lanes;
        if (!t.IsVector || sh.A.Type != t || sh.B.Type != t || sh.Lanes.Length != n || sh.Lanes.Any(i => i < 0 || i >= 2 * n))
            throw Error($"shuffle of %{sh.A.Name}, %{sh.B.Name} ({sh.A.Type}, {sh.B.Type}) into {t} with {sh.Lanes.Length} lane indices");
        int[] lanes = [.. sh.Lanes];
        int bytes = n * LaneBytes(t);
        var lane = LaneType(t);
        var vector = VType(t);
        if (lane == typeof(float) && FloatShuffle(bytes, lanes) is var (method, control) && method is not null)
        {
            Load(sh.A);
            Load(sh.B);
            if (control is { } c) _il.Emit(OpCodes.Ldc_I4, c);
            _il.Emit(OpCodes.Call, method);
        }
        else if (bytes == 64 && Avx512F.IsSupported && LaneBytes(t) is 4 or 8)
        {
            var index = IndexLane(lane);
            Load(sh.A);
            EmitLaneConstants(typeof(Vector512), index, [.. lanes.Select(i => (long)i)]);
            Load(sh.B);
            _il.Emit(OpCodes.Call, Reflect.Method(typeof(Avx512F), LaneBytes(t) == 4 ? "PermuteVar16x32x2" : "PermuteVar8x64x2",
                vector, typeof(Vector512<>).MakeGenericType(index), vector));
        }
        else
        {
            // Shuffle(a, indices of a) where lane l reads a, Shuffle(b, …) where it reads b, chosen per lane.
            var statics = VClass(t);
            var index = IndexLane(lane);
            var shuffle = Reflect.Method(statics, "Shuffle", vector, VectorOf(statics, index));
            EmitLaneConstants(statics, lane, [.. lanes.Select(i => i < n ? -1L : 0L)]);
            Load(sh.A);
            EmitLaneConstants(statics, index, [.. lanes.Select(i => (long)(i < n ? i : 0))]);
            _il.Emit(OpCodes.Call, shuffle);
            Load(sh.B);
            EmitLaneConstants(statics, index, [.. lanes.Select(i => (long)(i < n ? 0 : i - n))]);
            _il.Emit(OpCodes.Call, shuffle);
            VCall(t, "ConditionalSelect", "V,V,V");
        }
        Store(sh.Target);
    }

    /// <summary>The one-instruction form of an f32 shuffle (the method, and its control byte if it takes one), or
    /// (null, null).</summary>
    private static (MethodInfo?, int?) FloatShuffle(int bytes, int[] lanes)
    {
        int n = lanes.Length;
        Type? isa = bytes switch
        {
            16 when Sse.IsSupported => typeof(Sse),
            32 when Avx.IsSupported => typeof(Avx),
            64 when Avx512F.IsSupported => typeof(Avx512F),
            _ => null,
        };
        if (isa is null) return (null, null);
        var v = bytes == 16 ? typeof(Vector128<float>) : bytes == 32 ? typeof(Vector256<float>) : typeof(Vector512<float>);
        if (SameInEveryBlock(lanes) is { } p)
        {
            if (p.SequenceEqual([0, 4, 1, 5])) return (Reflect.Method(isa, "UnpackLow", v, v), null);
            if (p.SequenceEqual([2, 6, 3, 7])) return (Reflect.Method(isa, "UnpackHigh", v, v), null);
            if (p[0] < 4 && p[1] < 4 && p[2] >= 4 && p[3] >= 4)
                return (Reflect.Method(isa, "Shuffle", v, v, typeof(byte)), p[0] | p[1] << 2 | (p[2] - 4) << 4 | (p[3] - 4) << 6);
        }
        if (n >= 8 && WholeBlocks(lanes) is { } b)
        {
            if (n == 8) return (Reflect.Method(typeof(Avx), "Permute2x128", v, v, typeof(byte)), b[0] | b[1] << 4);
            if (b[0] < 4 && b[1] < 4 && b[2] >= 4 && b[3] >= 4)
                return (Reflect.Method(typeof(Avx512F), "Shuffle4x128", v, v, typeof(byte)), b[0] | b[1] << 2 | (b[2] - 4) << 4 | (b[3] - 4) << 6);
        }
        return (null, null);
    }

    /// <summary>The 4-lane pattern (0..3 from a's block, 4..7 from b's) every 128-bit block follows, or null.</summary>
    private static int[]? SameInEveryBlock(int[] lanes)
    {
        int n = lanes.Length;
        var p = new int[4];
        for (int l = 0; l < n; l++)
        {
            int k = l / 4 * 4, i = lanes[l];
            int rel = i < n ? i - k : i - n - k;
            if (rel < 0 || rel >= 4) return null;
            int code = i < n ? rel : rel + 4;
            if (l < 4) p[l] = code;
            else if (p[l % 4] != code) return null;
        }
        return p;
    }

    /// <summary>The source block (0.. of a, then of b) of each 128-bit block when every block is one whole block, or null.</summary>
    private static int[]? WholeBlocks(int[] lanes)
    {
        var b = new int[lanes.Length / 4];
        for (int k = 0; k < b.Length; k++)
        {
            int s = lanes[4 * k];
            if (s % 4 != 0) return null;
            for (int j = 1; j < 4; j++) if (lanes[4 * k + j] != s + j) return null;
            b[k] = s / 4;
        }
        return b;
    }

    /// <summary>The lane type of the indices of <c>VectorN.Shuffle</c> and vpermt2ps/pd for a lane type: the same
    /// integer type, or the integer of a float's size.</summary>
    private static Type IndexLane(Type lane) => lane == typeof(float) ? typeof(int) : lane == typeof(double) ? typeof(long) : lane;

    private static Type VectorOf(Type statics, Type lane) => (statics == typeof(Vector512) ? typeof(Vector512<>)
        : statics == typeof(Vector256) ? typeof(Vector256<>) : typeof(Vector128<>)).MakeGenericType(lane);

    /// <summary>Pushes <c>VectorN.Create</c> of constant lanes of type <paramref name="lane"/> (an integer type, or a
    /// float type given as the bits of an integer: -1 is all ones), which RyuJIT folds to one constant.</summary>
    private void EmitLaneConstants(Type statics, Type lane, long[] values)
    {
        bool wide = System.Runtime.InteropServices.Marshal.SizeOf(lane) == 8;
        var bits = wide ? typeof(long) : typeof(int);
        foreach (long v in values)
            if (wide) _il.Emit(OpCodes.Ldc_I8, v);
            else _il.Emit(OpCodes.Ldc_I4, (int)v);
        var create = Reflect.TryMethod(statics, "Create", [.. Enumerable.Repeat(bits, values.Length)])
            ?? throw Error($"{statics.Name}.Create of {values.Length} × {bits.Name} is missing");
        _il.Emit(OpCodes.Call, create);
        if (lane != bits)
            _il.Emit(OpCodes.Call, AsMethods.GetOrAdd(statics, s => s.GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == "As" && m.GetGenericArguments().Length == 2)).MakeGenericMethod(bits, lane));
    }
}
