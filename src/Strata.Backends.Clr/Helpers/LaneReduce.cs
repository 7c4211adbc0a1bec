using System.Numerics;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

/// <summary>reduce_lanes fast paths: lanes folded in order 0, 1, … in the lane type, which is exactly
/// ScalarSemantics' fold for f32/f64 (an f32 add/mul rounded from double equals the float op) and integers (wrapping);
/// T.Max/T.Min propagate NaN as ScalarSemantics does. (Generated shape: one method per width and op.)</summary>
internal static class LaneReduce
{
    public static T Sum64<T>(Vector64<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc += v.GetElement(i);
        return acc;
    }

    public static T Prod64<T>(Vector64<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc *= v.GetElement(i);
        return acc;
    }

    public static T Max64<T>(Vector64<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    public static T Min64<T>(Vector64<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector64<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }

    public static T Sum128<T>(Vector128<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc += v.GetElement(i);
        return acc;
    }

    public static T Prod128<T>(Vector128<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc *= v.GetElement(i);
        return acc;
    }

    public static T Max128<T>(Vector128<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    public static T Min128<T>(Vector128<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }

    public static T Sum256<T>(Vector256<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) acc += v.GetElement(i);
        return acc;
    }

    public static T Prod256<T>(Vector256<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) acc *= v.GetElement(i);
        return acc;
    }

    public static T Max256<T>(Vector256<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    public static T Min256<T>(Vector256<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }

    public static T Sum512<T>(Vector512<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++) acc += v.GetElement(i);
        return acc;
    }

    public static T Prod512<T>(Vector512<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++) acc *= v.GetElement(i);
        return acc;
    }

    public static T Max512<T>(Vector512<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++) acc = T.Max(acc, v.GetElement(i));
        return acc;
    }

    public static T Min512<T>(Vector512<T> v) where T : INumber<T>
    {
        T acc = v.GetElement(0);
        for (int i = 1; i < Vector512<T>.Count; i++) acc = T.Min(acc, v.GetElement(i));
        return acc;
    }
}
