using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>Vector f32 transcendentals (exp, erf, tanh, sigmoid) for 128/256/512-bit registers. exp is evaluated in
/// f32 (VectorMath.Single.cs: within 1 ulp of ScalarSemantics' double exp rounded to f32 on every f32 input, checked
/// exhaustively);
/// erf, tanh and sigmoid widen the lanes to f64, evaluate there by range reduction + polynomial (errors below 1e-10
/// relative, far under half an f32 ulp), and round once back to f32. ScalarSemantics also computes f32 in double and rounds once, so
/// the two results are within 1 ulp of each other (equal except where the double result lies within ~1e-10 of an f32 rounding boundary);
/// NaN, ±inf, −0, overflow to inf and underflow to subnormals/0 behave as ScalarSemantics'. Lane-by-lane
/// <see cref="LaneMath"/> stays the path for f64, 64-bit vectors and every other op.</summary>
internal static partial class VectorMath
{
    /// <summary>The accuracy contract: native results are within this many f32 ulps of ScalarSemantics'.</summary>
    public const int MaxUlps = 1;

    public static bool Handles(UnaryOp op, DataType element, int bits) =>
        element == DataType.Float32 && bits is 128 or 256 or 512 && op is UnaryOp.Exp or UnaryOp.Erf or UnaryOp.Tanh or UnaryOp.Sigmoid;

    /// <summary>The helper the emitter calls for (op, register width): one method per pair, no dispatch at run time.</summary>
    public static System.Reflection.MethodInfo Method(UnaryOp op, int bits) =>
        typeof(VectorMath).GetMethod(op + bits.ToString(System.Globalization.CultureInfo.InvariantCulture))
        ?? throw new InvalidOperationException($"VectorMath has no {op}{bits}");

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector128<float> Exp128(Vector128<float> x) => ExpSingle128(x);
    public static Vector128<float> Erf128(Vector128<float> x) => Narrow(Erf(Widen(x)));
    public static Vector128<float> Tanh128(Vector128<float> x) => Narrow(Tanh(Widen(x)));
    public static Vector128<float> Sigmoid128(Vector128<float> x) => Narrow(Sigmoid(Widen(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector256<float> Exp256(Vector256<float> x) => ExpSingle256(x);
    public static Vector256<float> Erf256(Vector256<float> x) { var (lo, hi) = Vector256.Widen(x); return Vector256.Narrow(Erf(lo), Erf(hi)); }
    public static Vector256<float> Tanh256(Vector256<float> x) { var (lo, hi) = Vector256.Widen(x); return Vector256.Narrow(Tanh(lo), Tanh(hi)); }
    public static Vector256<float> Sigmoid256(Vector256<float> x) { var (lo, hi) = Vector256.Widen(x); return Vector256.Narrow(Sigmoid(lo), Sigmoid(hi)); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call spills every live vector register of the loop around it
    public static Vector512<float> Exp512(Vector512<float> x) => ExpSingle512(x);
    public static Vector512<float> Erf512(Vector512<float> x) { var (lo, hi) = Vector512.Widen(x); return Vector512.Narrow(Erf(lo), Erf(hi)); }
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

    // erf, |x| ≤ 1: x·P(x²), P a Chebyshev fit of erf(√u)/√u on [0, 1] (error 1.9e-14).
    private static ReadOnlySpan<double> ErfSmall =>
    [
        -1.0469110332151208e-07, 1.5306373163641084e-06, -1.4795031400662045e-05, 0.00012046261269779797,
        -0.0008547933736519633, 0.0052239671935439, -0.026866169050599326, 0.11283791658548713,
        -0.37612638902808615, 1.128379167095494,
    ];

    // erf, 1 < |x| ≤ 4: Q((|x| − 2.5)/1.5), Q a degree-20 Chebyshev fit on [−1, 1] (error 1.2e-12). Beyond 4,
    // erf = 1 − 1.5e-8 or closer, which rounds to 1f: |x| is clamped to 4.
    private static ReadOnlySpan<double> ErfMid =>
    [
        3.5874859958577997e-06, -9.706737580987892e-07, -3.3336471370946054e-05, 3.754712322177056e-05,
        0.00011481662775900842, -0.0003030329467872908, 5.5468481050979044e-05, 0.0009289505114708216,
        -0.001828138405849116, 0.00043689057476382545, 0.004544496570266771, -0.00961960609796886,
        0.006680613448285873, 0.009267188101343988, -0.031876543953606895, 0.046453652434876605,
        -0.04365077420794333, 0.028181550420121902, -0.012252848790627822, 0.0032674263701221976,
        0.999593047982555,
    ];

    // tanh, |x| < 1/16: x·(1 − x²/3 + 2x⁴/15 − 17x⁶/315 + 62x⁸/2835) (next term < 1e-14 relative); else
    // 1 − 2/(e^{2|x|} + 1) with the sign of x (2|x| clamped to 40, where tanh is 1 in f32 and f64 alike).
    private static ReadOnlySpan<double> TanhSmall => [62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3, 1.0];
    private const double TanhSmallBound = 0.0625, TanhClamp = 40;
}
