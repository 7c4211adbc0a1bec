using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Emit;

/// <summary>The x86 platform intrinsics (<c>Avx512F.Add</c>, <c>Avx.LoadVector256</c>, <c>Fma.MultiplyAdd</c>, …)
/// that mean exactly what a generic <c>VectorN</c> operation means, for the host's ISAs. Why: RyuJIT imports the
/// generic <c>VectorN.Add/Load/Store&lt;T&gt;</c> as calls that it then inlines, and its inliner gives up once the
/// method has 512 locals (MAX_LV_NUM_COUNT_FOR_INLINING, "too many locals"), so a kernel with many registers kept
/// hundreds of real calls; the ISA classes' methods are expanded by the importer itself, whatever the method's size.
/// Only operations with the same lane semantics are mapped (not Max/Min: the generic ones follow IEEE 754-2019
/// maximum/minimum, vmaxps does not — only MaxNative maps to it; not integer Multiply: <c>Avx2.Multiply</c> widens).</summary>
internal static class PlatformOps
{
    /// <summary>The ISA method for generic operation <paramref name="name"/> on vectors of <paramref name="bytes"/>
    /// bytes with <paramref name="lane"/> lanes, or null where the host lacks the ISA or no exact equivalent exists.
    /// <c>Store</c> has the address first (<c>Avx.Store(T*, Vector256&lt;T&gt;)</c>), unlike the generic one.</summary>
    public static MethodInfo? Find(int bytes, string name, Type lane) => Cache.GetOrAdd((bytes, name, lane), k => Lookup(k.Bytes, k.Name, k.Lane));

    /// <summary>Every vector operation a kernel emits asks: reflection per call would dominate a kernel's emit time.</summary>
    private static readonly ConcurrentDictionary<(int Bytes, string Name, Type Lane), MethodInfo?> Cache = new();

    private static MethodInfo? Lookup(int bytes, string name, Type lane)
    {
        bool isFloat = lane == typeof(float) || lane == typeof(double);
        bool isWord = isFloat || lane == typeof(int) || lane == typeof(uint) || lane == typeof(long) || lane == typeof(ulong);
        if (!isWord) return null;
        var v = bytes switch
        {
            16 => typeof(Vector128<>).MakeGenericType(lane),
            32 => typeof(Vector256<>).MakeGenericType(lane),
            64 => typeof(Vector512<>).MakeGenericType(lane),
            _ => null,
        };
        if (v is null) return null;
        var p = lane.MakePointerType();
        var (isa, method, parameters) = (bytes, name) switch
        {
            (64, "Load") => (Avx512(), "LoadVector512", new[] { p }),
            (32, "Load") => (Avx256(), "LoadVector256", [p]),
            (16, "Load") => (Sse128(lane), "LoadVector128", [p]),
            (64, "Store") => (Avx512(), "Store", [p, v]),
            (32, "Store") => (Avx256(), "Store", [p, v]),
            (16, "Store") => (Sse128(lane), "Store", [p, v]),
            (_, "Add" or "Subtract") => (Arith(bytes, lane), name, [v, v]),
            (_, "Multiply" or "Divide") when isFloat => (Arith(bytes, lane), name, [v, v]),
            // MaxNative is the host's max by definition: maxps/maxpd (the second operand where one is NaN).
            (_, "MaxNative") when isFloat => (Arith(bytes, lane), "Max", [v, v]),
            (_, "BitwiseAnd" or "BitwiseOr" or "Xor") when !isFloat =>
                (Arith(bytes, lane), name == "BitwiseAnd" ? "And" : name == "BitwiseOr" ? "Or" : "Xor", [v, v]),
            (64, "FusedMultiplyAdd") when isFloat => (Avx512(), "FusedMultiplyAdd", [v, v, v]),
            (32 or 16, "FusedMultiplyAdd") when isFloat => (Fma.IsSupported ? typeof(Fma) : null, "MultiplyAdd", [v, v, v]),
            _ => ((Type?)null, "", Array.Empty<Type>()),
        };
        return isa is null ? null : Reflect.TryMethod(isa, method, parameters);
    }

    private static Type? Avx512() => Avx512F.IsSupported ? typeof(Avx512F) : null;

    private static Type? Avx256() => Avx.IsSupported ? typeof(Avx) : null;

    private static Type? Sse128(Type lane) => lane == typeof(float) ? (Sse.IsSupported ? typeof(Sse) : null) : Sse2.IsSupported ? typeof(Sse2) : null;

    /// <summary>Where lane arithmetic lives: float ops in Avx/Sse, integer ops in Avx2/Sse2 (Avx512F has both).</summary>
    private static Type? Arith(int bytes, Type lane) => bytes switch
    {
        64 => Avx512(),
        32 => lane == typeof(float) || lane == typeof(double) ? Avx256() : Avx2.IsSupported ? typeof(Avx2) : null,
        16 => Sse128(lane),
        _ => null,
    };
}
