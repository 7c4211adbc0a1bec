using System.Numerics;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Float vector unary ops without a SIMD form (exp, tanh, erf, sigmoid, …): each lane through
/// ScalarSemantics on double, then rounded to the lane type — the same value ScalarSemantics gives for f32 (it rounds
/// the double result once), with no spilling and no per-lane type dispatch. (One method per vector width.)</summary>
internal static class LaneMath
{
    private static double Apply(int op, double x) => ScalarSemantics.Unary((UnaryOp)op, DataType.Float64, Scalar.Float(x)).F;

    public static Vector64<T> Unary64<T>(Vector64<T> v, int op) where T : IFloatingPointIeee754<T>
    {
        var r = v;
        for (int i = 0; i < Vector64<T>.Count; i++) r = r.WithElement(i, T.CreateTruncating(Apply(op, double.CreateTruncating(v.GetElement(i)))));
        return r;
    }

    public static Vector128<T> Unary128<T>(Vector128<T> v, int op) where T : IFloatingPointIeee754<T>
    {
        var r = v;
        for (int i = 0; i < Vector128<T>.Count; i++) r = r.WithElement(i, T.CreateTruncating(Apply(op, double.CreateTruncating(v.GetElement(i)))));
        return r;
    }

    public static Vector256<T> Unary256<T>(Vector256<T> v, int op) where T : IFloatingPointIeee754<T>
    {
        var r = v;
        for (int i = 0; i < Vector256<T>.Count; i++) r = r.WithElement(i, T.CreateTruncating(Apply(op, double.CreateTruncating(v.GetElement(i)))));
        return r;
    }

    public static Vector512<T> Unary512<T>(Vector512<T> v, int op) where T : IFloatingPointIeee754<T>
    {
        var r = v;
        for (int i = 0; i < Vector512<T>.Count; i++) r = r.WithElement(i, T.CreateTruncating(Apply(op, double.CreateTruncating(v.GetElement(i)))));
        return r;
    }
}
