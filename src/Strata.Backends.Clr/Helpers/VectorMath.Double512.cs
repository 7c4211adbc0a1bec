using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

// The f64 cores on 512-bit registers. VectorMath.Double256.cs is the same code on Vector256: keep the two in step.
internal static partial class VectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Horner(Vector512<double> x, ReadOnlySpan<double> c)
    {
        var p = Vector512.Create(c[0]);
        for (int i = 1; i < c.Length; i++) p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(c[i]));
        return p;
    }

    /// <summary>NaN lanes of <paramref name="x"/> pass through (as their ScalarSemantics result is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> KeepNaN(Vector512<double> x, Vector512<double> r) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> CopySign(Vector512<double> magnitude, Vector512<double> sign) =>
        magnitude | (sign & Vector512.Create(-0.0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpFinite(Vector512<double> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLo)), Vector512.Create(ExpHi));
        var kd = Vector512.FusedMultiplyAdd(c, Vector512.Create(Log2E), Vector512.Create(Shifter));
        var n = kd - Vector512.Create(Shifter);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        // kd's low bits hold n (|n| ≤ 217); shifted into the exponent field with the bias, they are 2^n.
        var scale = Vector512.ShiftLeft(kd.AsInt64() + Vector512.Create(1023L), 52).AsDouble();
        return Horner(r, ExpPoly) * scale;
    }

    private static Vector512<double> Tanh(Vector512<double> x)
    {
        var a = Vector512.Abs(x);
        var small = x * Horner(x * x, TanhSmall);
        var e = ExpFinite(Vector512.Min(a + a, Vector512.Create(TanhClamp)));
        var large = CopySign(Vector512<double>.One - Vector512.Create(2.0) / (e + Vector512<double>.One), x);
        return KeepNaN(x, Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSmallBound)), small, large));
    }

    /// <summary>ScalarSemantics' form: x ≥ 0 ? 1/(1 + e^−x) : e^x/(1 + e^x) — one exp of −|x| serves both.</summary>
    private static Vector512<double> Sigmoid(Vector512<double> x)
    {
        var e = ExpFinite(-Vector512.Abs(x));
        var d = Vector512<double>.One + e;
        var r = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), Vector512<double>.One / d, e / d);
        return KeepNaN(x, r);
    }
}
