using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

// The f64 cores on 256-bit registers (and 128-bit f32 vectors, widened). VectorMath.Double512.cs is the same code on Vector512: keep the two in step.
internal static partial class VectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Horner(Vector256<double> x, ReadOnlySpan<double> c)
    {
        var p = Vector256.Create(c[0]);
        for (int i = 1; i < c.Length; i++) p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(c[i]));
        return p;
    }

    /// <summary>NaN lanes of <paramref name="x"/> pass through (as their ScalarSemantics result is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> KeepNaN(Vector256<double> x, Vector256<double> r) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> CopySign(Vector256<double> magnitude, Vector256<double> sign) =>
        magnitude | (sign & Vector256.Create(-0.0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpFinite(Vector256<double> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLo)), Vector256.Create(ExpHi));
        var kd = Vector256.FusedMultiplyAdd(c, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var n = kd - Vector256.Create(Shifter);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        // kd's low bits hold n (|n| ≤ 217); shifted into the exponent field with the bias, they are 2^n.
        var scale = Vector256.ShiftLeft(kd.AsInt64() + Vector256.Create(1023L), 52).AsDouble();
        return Horner(r, ExpPoly) * scale;
    }

    private static Vector256<double> Tanh(Vector256<double> x)
    {
        var a = Vector256.Abs(x);
        var small = x * Horner(x * x, TanhSmall);
        var e = ExpFinite(Vector256.Min(a + a, Vector256.Create(TanhClamp)));
        var large = CopySign(Vector256<double>.One - Vector256.Create(2.0) / (e + Vector256<double>.One), x);
        return KeepNaN(x, Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhSmallBound)), small, large));
    }

    /// <summary>ScalarSemantics' form: x ≥ 0 ? 1/(1 + e^−x) : e^x/(1 + e^x) — one exp of −|x| serves both.</summary>
    private static Vector256<double> Sigmoid(Vector256<double> x)
    {
        var e = ExpFinite(-Vector256.Abs(x));
        var d = Vector256<double>.One + e;
        var r = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), Vector256<double>.One / d, e / d);
        return KeepNaN(x, r);
    }
}
