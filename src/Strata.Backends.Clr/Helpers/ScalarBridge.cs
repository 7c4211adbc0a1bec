using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>The general fallback for scalar registers: emitted code widens the operands to the interpreter's
/// representation (floats → double, integers and bool → long), calls one of these, and narrows the result back —
/// exact, because <see cref="ScalarSemantics"/> has already rounded or wrapped the result to the element type.
/// Every (op, type) that ScalarSemantics defines compiles this way; fast paths are emitted on top.</summary>
internal static class ScalarBridge
{
    public static double UnaryF(int op, int type, double x) => ScalarSemantics.Unary((UnaryOp)op, (DataType)type, Scalar.Float(x)).F;
    public static long UnaryFI(int op, int type, double x) => ScalarSemantics.Unary((UnaryOp)op, (DataType)type, Scalar.Float(x)).I;
    public static long UnaryI(int op, int type, long x) => ScalarSemantics.Unary((UnaryOp)op, (DataType)type, Scalar.Int(x)).I;

    public static double BinaryF(int op, int type, double a, double b) =>
        ScalarSemantics.Binary((BinaryOp)op, (DataType)type, Scalar.Float(a), Scalar.Float(b)).F;
    public static long BinaryFI(int op, int type, double a, double b) =>
        ScalarSemantics.Binary((BinaryOp)op, (DataType)type, Scalar.Float(a), Scalar.Float(b)).I;
    public static long BinaryI(int op, int type, long a, long b) =>
        ScalarSemantics.Binary((BinaryOp)op, (DataType)type, Scalar.Int(a), Scalar.Int(b)).I;

    public static double CastFF(double x, int from, int to) => ScalarSemantics.Cast(Scalar.Float(x), (DataType)from, (DataType)to).F;
    public static long CastFI(double x, int from, int to) => ScalarSemantics.Cast(Scalar.Float(x), (DataType)from, (DataType)to).I;
    public static double CastIF(long x, int from, int to) => ScalarSemantics.Cast(Scalar.Int(x), (DataType)from, (DataType)to).F;
    public static long CastII(long x, int from, int to) => ScalarSemantics.Cast(Scalar.Int(x), (DataType)from, (DataType)to).I;

    /// <summary>a·b + c rounded once to the element type, as the Machine interpreter defines fma (and hardware does):
    /// for f16/bf16 a·b is exact in double, the sum is rounded to odd (TwoSum) and then to the type, which avoids
    /// double rounding.</summary>
    public static double Fma(int type, double a, double b, double c)
    {
        var t = (DataType)type;
        if (t == DataType.Float64) return Math.FusedMultiplyAdd(a, b, c);
        if (t == DataType.Float32) return MathF.FusedMultiplyAdd((float)a, (float)b, (float)c);
        double p = a * b;
        double sum = p + c;
        if (double.IsFinite(sum))
        {
            double bv = sum - p;
            double err = (p - (sum - bv)) + (c - bv);
            if (err != 0 && (BitConverter.DoubleToInt64Bits(sum) & 1) == 0)
                sum = err > 0 ? Math.BitIncrement(sum) : Math.BitDecrement(sum);
        }
        return ScalarSemantics.RoundFloat(sum, t);
    }

    public static double HalfToDouble(Half h) => (double)h;
    public static Half DoubleToHalf(double d) => (Half)d;
    public static double BFloat16ToDouble(BFloat16 b) => (float)b;
    public static BFloat16 DoubleToBFloat16(double d) => (BFloat16)(float)d;
}
