using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>rsqrt and reciprocal of float vectors, exactly as ScalarSemantics computes them: <c>1 / Math.Sqrt(v)</c>
/// and <c>1 / v</c> on double (IEEE sqrt and division, each correctly rounded), f32 lanes widened exactly and the
/// double result narrowed once (round to nearest even, as the scalar cast). Bit for bit the scalar result, in a few
/// instructions instead of <see cref="LaneMath"/>'s call per lane (a LayerNorm's per-row 1/σ was 16 calls per
/// program).</summary>
internal static class VectorRoots
{
    public static bool Handles(UnaryOp op, DataType element, int bits) =>
        element is DataType.Float32 or DataType.Float64 && bits is 128 or 256 or 512 && op is UnaryOp.Rsqrt or UnaryOp.Reciprocal;

    /// <summary>The helper for (op, lane type, register width): <c>Rsqrt512</c> etc., overloaded on the lane type.</summary>
    public static System.Reflection.MethodInfo Method(UnaryOp op, Type vector, int bits) =>
        typeof(VectorRoots).GetMethod(op + bits.ToString(System.Globalization.CultureInfo.InvariantCulture), [vector])
        ?? throw new InvalidOperationException($"VectorRoots has no {op}{bits}({vector.Name})");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Rsqrt128(Vector128<double> x) => Vector128<double>.One / Vector128.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Reciprocal128(Vector128<double> x) => Vector128<double>.One / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Rsqrt128(Vector128<float> x)
    {
        var (lo, hi) = Vector128.Widen(x);
        return Vector128.Narrow(Rsqrt128(lo), Rsqrt128(hi));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reciprocal128(Vector128<float> x)
    {
        var (lo, hi) = Vector128.Widen(x);
        return Vector128.Narrow(Reciprocal128(lo), Reciprocal128(hi));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Rsqrt256(Vector256<double> x) => Vector256<double>.One / Vector256.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Reciprocal256(Vector256<double> x) => Vector256<double>.One / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Rsqrt256(Vector256<float> x)
    {
        var (lo, hi) = Vector256.Widen(x);
        return Vector256.Narrow(Rsqrt256(lo), Rsqrt256(hi));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Reciprocal256(Vector256<float> x)
    {
        var (lo, hi) = Vector256.Widen(x);
        return Vector256.Narrow(Reciprocal256(lo), Reciprocal256(hi));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Rsqrt512(Vector512<double> x) => Vector512<double>.One / Vector512.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Reciprocal512(Vector512<double> x) => Vector512<double>.One / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Rsqrt512(Vector512<float> x)
    {
        var (lo, hi) = Vector512.Widen(x);
        return Vector512.Narrow(Rsqrt512(lo), Rsqrt512(hi));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reciprocal512(Vector512<float> x)
    {
        var (lo, hi) = Vector512.Widen(x);
        return Vector512.Narrow(Reciprocal512(lo), Reciprocal512(hi));
    }
}
