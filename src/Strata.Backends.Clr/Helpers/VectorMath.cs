using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Vector f32 transcendentals (exp, exp of x ≤ 0, erf, tanh, sigmoid) for 128/256/512-bit registers, all
/// evaluated in f32 and inlined (VectorMath.Single.cs, VectorMath.ExpNonPosSingle.cs, VectorMath.ErfSingle.cs,
/// VectorMath.TanhSigmoidSingle.cs): within 1 ulp of ScalarSemantics' double result rounded to f32 on every f32
/// input, checked exhaustively; NaN, ±inf, −0, overflow to inf and underflow to subnormals/0 behave as
/// ScalarSemantics'. Lane-by-lane <see cref="LaneMath"/> stays the path for f64, 64-bit vectors and every other op.</summary>
internal static partial class VectorMath
{
    /// <summary>The accuracy contract: native results are within this many f32 ulps of ScalarSemantics'.</summary>
    public const int MaxUlps = 1;

    public static bool Handles(UnaryOp op, DataType element, int bits) =>
        element == DataType.Float32 && bits is 128 or 256 or 512 && op is UnaryOp.Exp or UnaryOp.ExpNonPos or UnaryOp.Erf or UnaryOp.Tanh or UnaryOp.Sigmoid;

    /// <summary>The helper the emitter calls for (op, register width): one method per pair, no dispatch at run time.</summary>
    public static System.Reflection.MethodInfo Method(UnaryOp op, int bits) =>
        typeof(VectorMath).GetMethod(op + bits.ToString(System.Globalization.CultureInfo.InvariantCulture))
        ?? throw new InvalidOperationException($"VectorMath has no {op}{bits}");

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector128<float> Exp128(Vector128<float> x) => ExpSingle128(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ExpNonPos128(Vector128<float> x) => ExpNonPosSingle128(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Erf128(Vector128<float> x) => ErfSingle128(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh128(Vector128<float> x) => TanhSingle128(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid128(Vector128<float> x) => SigmoidSingle128(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector256<float> Exp256(Vector256<float> x) => ExpSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPos256(Vector256<float> x) => ExpNonPosSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf256(Vector256<float> x) => ErfSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh256(Vector256<float> x) => TanhSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid256(Vector256<float> x) => SigmoidSingle256(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector512<float> Exp512(Vector512<float> x) => ExpSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPos512(Vector512<float> x) => ExpNonPosSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf512(Vector512<float> x) => ErfSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh512(Vector512<float> x) => TanhSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid512(Vector512<float> x) => SigmoidSingle512(x);
}
