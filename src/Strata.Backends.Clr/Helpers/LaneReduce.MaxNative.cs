using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>reduce_lanes maxnative: the host's plain max (maxps/maxpd) in the same halving tree. Without a NaN lane this
/// is the exact maximum (up to the sign of a zero), as maxnative requires; with one, any lane's value or NaN is
/// allowed, so no NaN fix-up is spent (1- and 2-byte lanes are integers: the exact Max).</summary>
internal static partial class LaneReduce
{
    public static T MaxNative64<T>(Vector64<T> v) where T : INumber<T> => Max64(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxNative128<T>(Vector128<T> v) where T : INumber<T>
    {
        if (Unsafe.SizeOf<T>() == 8) return Vector128.MaxNative(v, SwapHalves(v)).GetElement(0);
        if (Unsafe.SizeOf<T>() == 4)
        {
            v = Vector128.MaxNative(v, SwapHalves(v));
            return Vector128.MaxNative(v, Vector128.Shuffle(v.AsInt32(), Vector128.Create(1, 0, 3, 2)).As<int, T>()).GetElement(0);
        }
        return Max128(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxNative256<T>(Vector256<T> v) where T : INumber<T> => MaxNative128(Vector128.MaxNative(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxNative512<T>(Vector512<T> v) where T : INumber<T> => MaxNative256(Vector256.MaxNative(v.GetLower(), v.GetUpper()));
}
