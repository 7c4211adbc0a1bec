using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>reduce_lanes fast paths in the Machine IR's tree order: lane i combines with lane i + n/2, n halving
/// (512 → 256 → 128 bits by adding the upper half to the lower, then within 128 bits by a swap of the 64-bit halves),
/// each step in the lane type, exactly as ScalarSemantics.ReduceStep (an f32 add/mul rounded from double equals the
/// float op); integers wrap, so any order gives their result; T.Max/T.Min and Vector.Max/Min propagate NaN as
/// ScalarSemantics does. No spill to memory: a few shuffles and n−1 ops, log2(n) deep. (Generated shape: one method
/// per width and op.) f32 max/min use vrangeps where the host has AVX-512DQ (LaneReduce.Float.cs).</summary>
internal static partial class LaneReduce
{
    /// <summary>Lanes 2, 3, 0, 1 of four 4-byte lanes (the 64-bit halves swapped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> SwapHalves<T>(Vector128<T> v) => Vector128.Shuffle(v.AsInt32(), Vector128.Create(2, 3, 0, 1)).As<int, T>();

    public static T Sum64<T>(Vector64<T> v) where T : INumber<T>
    {
        // Two 4-byte lanes, one 8-byte lane, or integers: lane order is the tree's order or gives its result.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = acc + v.GetElement(i);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum128<T>(Vector128<T> v) where T : INumber<T>
    {
        if (Unsafe.SizeOf<T>() == 8) return v.GetElement(0) + v.GetElement(1);
        if (Unsafe.SizeOf<T>() == 4)
        {
            v = v + SwapHalves(v);
            return v.GetElement(0) + v.GetElement(1);
        }
        // 1- and 2-byte lanes are integers here: wrapping ops and max/min give the tree's result in any order.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = acc + v.GetElement(i);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum256<T>(Vector256<T> v) where T : INumber<T> => Sum128(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum512<T>(Vector512<T> v) where T : INumber<T> => Sum256(v.GetLower() + v.GetUpper());

    public static T Prod64<T>(Vector64<T> v) where T : INumber<T>
    {
        // Two 4-byte lanes, one 8-byte lane, or integers: lane order is the tree's order or gives its result.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = acc * v.GetElement(i);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Prod128<T>(Vector128<T> v) where T : INumber<T>
    {
        if (Unsafe.SizeOf<T>() == 8) return v.GetElement(0) * v.GetElement(1);
        if (Unsafe.SizeOf<T>() == 4)
        {
            v = v * SwapHalves(v);
            return v.GetElement(0) * v.GetElement(1);
        }
        // 1- and 2-byte lanes are integers here: wrapping ops and max/min give the tree's result in any order.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = acc * v.GetElement(i);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Prod256<T>(Vector256<T> v) where T : INumber<T> => Prod128(v.GetLower() * v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Prod512<T>(Vector512<T> v) where T : INumber<T> => Prod256(v.GetLower() * v.GetUpper());

    public static T Max64<T>(Vector64<T> v) where T : INumber<T>
    {
        // Two 4-byte lanes, one 8-byte lane, or integers: lane order is the tree's order or gives its result.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max128<T>(Vector128<T> v) where T : INumber<T>
    {
        if (typeof(T) == typeof(float) && HasRange) return (T)(object)RangeLanes(v.AsSingle(), RangeMax);
        if (Unsafe.SizeOf<T>() == 8) return T.Max(v.GetElement(0), v.GetElement(1));
        if (Unsafe.SizeOf<T>() == 4)
        {
            v = Vector128.Max(v, SwapHalves(v));
            return T.Max(v.GetElement(0), v.GetElement(1));
        }
        // 1- and 2-byte lanes are integers here: wrapping ops and max/min give the tree's result in any order.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max256<T>(Vector256<T> v) where T : INumber<T> =>
        typeof(T) == typeof(float) && HasRange ? (T)(object)RangeLanes(v.AsSingle(), RangeMax) : Max128(Vector128.Max(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max512<T>(Vector512<T> v) where T : INumber<T> =>
        typeof(T) == typeof(float) && HasRange ? (T)(object)RangeLanes(v.AsSingle(), RangeMax) : Max256(Vector256.Max(v.GetLower(), v.GetUpper()));

    public static T Min64<T>(Vector64<T> v) where T : INumber<T>
    {
        // Two 4-byte lanes, one 8-byte lane, or integers: lane order is the tree's order or gives its result.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min128<T>(Vector128<T> v) where T : INumber<T>
    {
        if (typeof(T) == typeof(float) && HasRange) return (T)(object)RangeLanes(v.AsSingle(), RangeMin);
        if (Unsafe.SizeOf<T>() == 8) return T.Min(v.GetElement(0), v.GetElement(1));
        if (Unsafe.SizeOf<T>() == 4)
        {
            v = Vector128.Min(v, SwapHalves(v));
            return T.Min(v.GetElement(0), v.GetElement(1));
        }
        // 1- and 2-byte lanes are integers here: wrapping ops and max/min give the tree's result in any order.
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min256<T>(Vector256<T> v) where T : INumber<T> =>
        typeof(T) == typeof(float) && HasRange ? (T)(object)RangeLanes(v.AsSingle(), RangeMin) : Min128(Vector128.Min(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min512<T>(Vector512<T> v) where T : INumber<T> =>
        typeof(T) == typeof(float) && HasRange ? (T)(object)RangeLanes(v.AsSingle(), RangeMin) : Min256(Vector256.Min(v.GetLower(), v.GetUpper()));
}
