using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Vector f32 transcendentals (exp, exp of x ≤ 0, erf, tanh, sigmoid) for 128/256/512-bit registers. exp and erf are
/// evaluated in f32 and inlined (VectorMath.Single.cs, VectorMath.ExpNonPosSingle.cs, VectorMath.ErfSingle.cs: within 1 ulp of ScalarSemantics'
/// double result rounded to f32 on every f32 input, checked exhaustively);
/// tanh and sigmoid widen the lanes to f64, evaluate there by range reduction + polynomial (errors below 1e-10
/// relative, far under half an f32 ulp), and round once back to f32. ScalarSemantics also computes f32 in double and rounds once, so
/// the two results are within 1 ulp of each other (equal except where the double result lies within ~1e-10 of an f32 rounding boundary);
/// NaN, ±inf, −0, overflow to inf and underflow to subnormals/0 behave as ScalarSemantics'. Lane-by-lane
/// <see cref="LaneMath"/> stays the path for f64, 64-bit vectors and every other op.</summary>
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
    public static Vector128<float> Tanh128(Vector128<float> x) => Narrow(Tanh(Widen(x)));
    public static Vector128<float> Sigmoid128(Vector128<float> x) => Narrow(Sigmoid(Widen(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector256<float> Exp256(Vector256<float> x) => ExpSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPos256(Vector256<float> x) => ExpNonPosSingle256(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf256(Vector256<float> x) => ErfSingle256(x);
    public static Vector256<float> Tanh256(Vector256<float> x) { var (lo, hi) = Vector256.Widen(x); return Vector256.Narrow(Tanh(lo), Tanh(hi)); }
    public static Vector256<float> Sigmoid256(Vector256<float> x) { var (lo, hi) = Vector256.Widen(x); return Vector256.Narrow(Sigmoid(lo), Sigmoid(hi)); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector512<float> Exp512(Vector512<float> x) => ExpSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPos512(Vector512<float> x) => ExpNonPosSingle512(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf512(Vector512<float> x) => ErfSingle512(x);
    public static Vector512<float> Tanh512(Vector512<float> x) { var (lo, hi) = Vector512.Widen(x); return Vector512.Narrow(Tanh(lo), Tanh(hi)); }
    public static Vector512<float> Sigmoid512(Vector512<float> x) { var (lo, hi) = Vector512.Widen(x); return Vector512.Narrow(Sigmoid(lo), Sigmoid(hi)); }

    // Four f32 lanes fit one 256-bit f64 register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Widen(Vector128<float> x) => Vector256.Create(Vector128.WidenLower(x), Vector128.WidenUpper(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Narrow(Vector256<double> r) => Vector128.Narrow(r.GetLower(), r.GetUpper());

    // exp: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite: ln2 split in two so n·Ln2Hi is exact), e^r by a polynomial,
    // 2^n from the exponent bits. Inputs are clamped to [−150, 100] first: f32 results
    // below e^−150 are 0 and above e^100 inf either way, and 2^n stays a normal double.
    private const double Log2E = 1.4426950408889634, Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10;
    private const double Shifter = 6755399441055744.0;   // 1.5·2^52: adding it rounds to an integer held in the low bits
    private const double ExpLo = -150, ExpHi = 100;

    // e^r on [−ln2/2, ln2/2]: a degree-7 Chebyshev fit (error 4.2e-11, 1/1000 of an f32 ulp).
    private static ReadOnlySpan<double> ExpPoly =>
    [
        0.00019907569310848288, 0.0013948578326459795, 0.008333283538708528, 0.041666218319291945,
        0.16666666786308587, 0.5000000107729166, 0.999999999995509, 0.9999999999595618,
    ];

    // tanh, |x| < 1/16: x·(1 − x²/3 + 2x⁴/15 − 17x⁶/315 + 62x⁸/2835) (next term < 1e-14 relative); else
    // 1 − 2/(e^{2|x|} + 1) with the sign of x (2|x| clamped to 40, where tanh is 1 in f32 and f64 alike).
    private static ReadOnlySpan<double> TanhSmall => [62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3, 1.0];
    private const double TanhSmallBound = 0.0625, TanhClamp = 40;
}
