using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

// tanh and sigmoid in f32 itself, on each register width: the same code three times, for Vector128/256/512 (edit all
// three together). Both are quotients of 1 ± e^y (y = −2|x| or −|x|), where ExpSingle's rounded e^y alone would cost
// up to 2.5 ulps; instead e^y is kept as a pair 2^n·(h + lo) (ExpSingle's reduction and polynomial, the final 1 + t
// left unrounded), 1 ± e^y are formed by Fast2Sum, and the quotient of the two pairs is refined by one residual step,
// so the result is rounded once from a value ~2^−27 relative off: within 1 ulp of ScalarSemantics' double result,
// checked on every f32 (VectorMathTanhSigmoidTests with STRATA_EXHAUSTIVE=1). NaN passes through; ±inf, −0,
// subnormal results follow (see each method).
internal static partial class VectorMath
{
    private const float TanhClampF = 20f;

    /// <summary>1/d (d in [1, 2]) within 2^−14 relative where AVX-512 has vrcp14ps, else the quotient itself.
    /// DividePairs' residual step squares the error of its reciprocal (2^−28 from 2^−14), so the result stays within
    /// 1 ulp without the divider, whose one vdivps per vector cost the f32 sigmoid 6–8% (18.3–19.2 → 17.1–17.7 ns per
    /// 16 lanes in L1, Intel Xeon host). A copy of this code run over all 2^32 f32 inputs (what the tests do with
    /// STRATA_EXHAUSTIVE=1, slowly) found none over 1 ulp; at 1 ulp sigmoid 0.10% of values (0.07% with the division),
    /// tanh 0.18% (0.16%). Every width takes the same reciprocal on a machine, so the widths agree bit for bit. rcpps
    /// and a Newton step (AVX2) also stayed within 1 ulp but put 39% of tanh's values 1 ulp off (cause not pinned
    /// down), so AVX2 keeps the division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reciprocal128(Vector128<float> d) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.Reciprocal14(d) : Vector128<float>.One / d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reciprocal256(Vector256<float> d) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.Reciprocal14(d) : Vector256<float>.One / d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reciprocal512(Vector512<float> d) =>
        Avx512F.IsSupported ? Avx512F.Reciprocal14(d) : Vector512<float>.One / d;

    /// <summary>e^y = 2^n·(h + lo) for y in [−104, 0] (the caller clamps): n = round(y·log2e) (also in nBits as an
    /// integer), h + lo = 1 + r + r²·P(r) (h rounded, lo its error), so h + lo carries ~2^−30 of relative error where
    /// ExpSingle's rounded 1 + t carries 2^−24.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpPair128(Vector128<float> y, out Vector128<int> nBits, out Vector128<float> lo)
    {
        var kf = Vector128.FusedMultiplyAdd(y, Vector128.Create(Log2EF), Vector128.Create(ShifterF));
        var n = kf - Vector128.Create(ShifterF);
        nBits = kf.AsInt32() - Vector128.Create(ShifterBits);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiF), y);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoF), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        var h = r + Vector128<float>.One;
        // Fast2Sum (|1| ≥ |r|): r − (h − 1) is h's rounding error, exactly; then (h, rest) renormalised, so the
        // quotient's first step (of the high parts alone) is within an ulp.
        var rest = Vector128.FusedMultiplyAdd(p, r * r, r - (h - Vector128<float>.One));
        var e = h + rest;
        lo = (h - e) + rest;
        return e;
    }

    /// <summary>(nh + nl)/(dh + dl) rounded once: a quotient of dh, refined by one residual step (the residual's
    /// own rounding is ~2^−46 relative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DividePairs128(Vector128<float> nh, Vector128<float> nl, Vector128<float> dh, Vector128<float> dl)
    {
        var q0 = Reciprocal128(dh);
        var m0 = nh * q0;
        var rest = Vector128.FusedMultiplyAdd(-m0, dh, nh);
        rest = Vector128.FusedMultiplyAdd(-m0, dl, rest + nl);
        return Vector128.FusedMultiplyAdd(rest, q0, m0);
    }

    /// <summary>1 + 2^n·(h + lo) as dh + dl: Fast2Sum (2^n·h ≤ 1.42 has 1's exponent or less), then the small rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> OnePlus128(Vector128<float> eh, Vector128<float> el, out Vector128<float> dl)
    {
        var dh = Vector128<float>.One + eh;
        dl = (eh - (dh - Vector128<float>.One)) + el;
        return dh;
    }

    /// <summary>sigmoid(x) = 1/(1 + E) for x ≥ 0, E/(1 + E) below, with E = e^−|x| = 2^n·(h + lo) as a pair and
    /// the quotient refined once: within 1 ulp of ScalarSemantics' double result. The negative side's quotient
    /// M = (h + lo)/(1 + E) lies in [0.35, 1] and is scaled by 2^n last, in one rounding (2^−64 exactly, then
    /// 2^(n+64), normal for every n ≥ −150), so subnormal results round once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SigmoidSingle128(Vector128<float> x)
    {
        var y = Vector128.MaxNative(-Vector128.Abs(x), Vector128.Create(ExpLoF));
        var h = ExpPair128(y, out var nBits, out var lo);
        // E's power of two held at 2^−100 or above: below that E only moves 1 + E by < 2^−100.
        var s = Vector128.ShiftLeft(Vector128.Max(nBits, Vector128.Create(-100)) + Vector128.Create(127), 23).AsSingle();
        var dh = OnePlus128(h * s, lo * s, out var dl);
        var positive = Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero);
        var m = DividePairs128(Vector128.ConditionalSelect(positive, Vector128<float>.One, h),
            Vector128.ConditionalSelect(positive, Vector128<float>.Zero, lo), dh, dl);
        var e = Vector128.ConditionalSelect(positive.AsInt32(), Vector128<int>.Zero, nBits);
        var scale = Vector128.ShiftLeft(e + Vector128.Create(127 + 64), 23).AsSingle();
        var r = m * Vector128.Create(TwoM64F) * scale;
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), r, x);
    }

    /// <summary>tanh(x) = ±(1 − E)/(1 + E) with E = e^−2|x| = 2^n·(h + lo) as a pair: 1 − E and 1 + E by Fast2Sum
    /// (exact cancellation near 0: the numerator is −(r + r²·P) there), the quotient refined once, the sign of x
    /// put back last (tanh(−0) = −0). 2|x| is clamped to 20, where tanh rounds to 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> TanhSingle128(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var y = Vector128.MaxNative(-(a + a), Vector128.Create(-TanhClampF));
        var h = ExpPair128(y, out var nBits, out var lo);
        var s = Vector128.ShiftLeft(nBits + Vector128.Create(127), 23).AsSingle();
        var eh = h * s;
        var el = lo * s;
        var nh = Vector128<float>.One - eh;
        var nl = ((Vector128<float>.One - nh) - eh) - el;
        var dh = OnePlus128(eh, el, out var dl);
        var t = DividePairs128(nh, nl, dh, dl);
        var r = Vector128.Abs(t) | (x & Vector128.Create(-0f));
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), r, x);
    }

    /// <summary>e^y = 2^n·(h + lo) for y in [−104, 0] (the caller clamps): n = round(y·log2e) (also in nBits as an
    /// integer), h + lo = 1 + r + r²·P(r) (h rounded, lo its error), so h + lo carries ~2^−30 of relative error where
    /// ExpSingle's rounded 1 + t carries 2^−24.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpPair256(Vector256<float> y, out Vector256<int> nBits, out Vector256<float> lo)
    {
        var kf = Vector256.FusedMultiplyAdd(y, Vector256.Create(Log2EF), Vector256.Create(ShifterF));
        var n = kf - Vector256.Create(ShifterF);
        nBits = kf.AsInt32() - Vector256.Create(ShifterBits);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiF), y);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoF), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var h = r + Vector256<float>.One;
        // Fast2Sum (|1| ≥ |r|): r − (h − 1) is h's rounding error, exactly; then (h, rest) renormalised, so the
        // quotient's first step (of the high parts alone) is within an ulp.
        var rest = Vector256.FusedMultiplyAdd(p, r * r, r - (h - Vector256<float>.One));
        var e = h + rest;
        lo = (h - e) + rest;
        return e;
    }

    /// <summary>(nh + nl)/(dh + dl) rounded once: a quotient of dh, refined by one residual step (the residual's
    /// own rounding is ~2^−46 relative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> DividePairs256(Vector256<float> nh, Vector256<float> nl, Vector256<float> dh, Vector256<float> dl)
    {
        var q0 = Reciprocal256(dh);
        var m0 = nh * q0;
        var rest = Vector256.FusedMultiplyAdd(-m0, dh, nh);
        rest = Vector256.FusedMultiplyAdd(-m0, dl, rest + nl);
        return Vector256.FusedMultiplyAdd(rest, q0, m0);
    }

    /// <summary>1 + 2^n·(h + lo) as dh + dl: Fast2Sum (2^n·h ≤ 1.42 has 1's exponent or less), then the small rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> OnePlus256(Vector256<float> eh, Vector256<float> el, out Vector256<float> dl)
    {
        var dh = Vector256<float>.One + eh;
        dl = (eh - (dh - Vector256<float>.One)) + el;
        return dh;
    }

    /// <summary>sigmoid(x) = 1/(1 + E) for x ≥ 0, E/(1 + E) below, with E = e^−|x| = 2^n·(h + lo) as a pair and
    /// the quotient refined once: within 1 ulp of ScalarSemantics' double result. The negative side's quotient
    /// M = (h + lo)/(1 + E) lies in [0.35, 1] and is scaled by 2^n last, in one rounding (2^−64 exactly, then
    /// 2^(n+64), normal for every n ≥ −150), so subnormal results round once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SigmoidSingle256(Vector256<float> x)
    {
        var y = Vector256.MaxNative(-Vector256.Abs(x), Vector256.Create(ExpLoF));
        var h = ExpPair256(y, out var nBits, out var lo);
        // E's power of two held at 2^−100 or above: below that E only moves 1 + E by < 2^−100.
        var s = Vector256.ShiftLeft(Vector256.Max(nBits, Vector256.Create(-100)) + Vector256.Create(127), 23).AsSingle();
        var dh = OnePlus256(h * s, lo * s, out var dl);
        var positive = Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero);
        var m = DividePairs256(Vector256.ConditionalSelect(positive, Vector256<float>.One, h),
            Vector256.ConditionalSelect(positive, Vector256<float>.Zero, lo), dh, dl);
        var e = Vector256.ConditionalSelect(positive.AsInt32(), Vector256<int>.Zero, nBits);
        var scale = Vector256.ShiftLeft(e + Vector256.Create(127 + 64), 23).AsSingle();
        var r = m * Vector256.Create(TwoM64F) * scale;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);
    }

    /// <summary>tanh(x) = ±(1 − E)/(1 + E) with E = e^−2|x| = 2^n·(h + lo) as a pair: 1 − E and 1 + E by Fast2Sum
    /// (exact cancellation near 0: the numerator is −(r + r²·P) there), the quotient refined once, the sign of x
    /// put back last (tanh(−0) = −0). 2|x| is clamped to 20, where tanh rounds to 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TanhSingle256(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var y = Vector256.MaxNative(-(a + a), Vector256.Create(-TanhClampF));
        var h = ExpPair256(y, out var nBits, out var lo);
        var s = Vector256.ShiftLeft(nBits + Vector256.Create(127), 23).AsSingle();
        var eh = h * s;
        var el = lo * s;
        var nh = Vector256<float>.One - eh;
        var nl = ((Vector256<float>.One - nh) - eh) - el;
        var dh = OnePlus256(eh, el, out var dl);
        var t = DividePairs256(nh, nl, dh, dl);
        var r = Vector256.Abs(t) | (x & Vector256.Create(-0f));
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);
    }

    /// <summary>e^y = 2^n·(h + lo) for y in [−104, 0] (the caller clamps): n = round(y·log2e) (also in nBits as an
    /// integer), h + lo = 1 + r + r²·P(r) (h rounded, lo its error), so h + lo carries ~2^−30 of relative error where
    /// ExpSingle's rounded 1 + t carries 2^−24.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpPair512(Vector512<float> y, out Vector512<int> nBits, out Vector512<float> lo)
    {
        var kf = Vector512.FusedMultiplyAdd(y, Vector512.Create(Log2EF), Vector512.Create(ShifterF));
        var n = kf - Vector512.Create(ShifterF);
        nBits = kf.AsInt32() - Vector512.Create(ShifterBits);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), y);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var h = r + Vector512<float>.One;
        // Fast2Sum (|1| ≥ |r|): r − (h − 1) is h's rounding error, exactly; then (h, rest) renormalised, so the
        // quotient's first step (of the high parts alone) is within an ulp.
        var rest = Vector512.FusedMultiplyAdd(p, r * r, r - (h - Vector512<float>.One));
        var e = h + rest;
        lo = (h - e) + rest;
        return e;
    }

    /// <summary>(nh + nl)/(dh + dl) rounded once: a quotient of dh, refined by one residual step (the residual's
    /// own rounding is ~2^−46 relative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DividePairs512(Vector512<float> nh, Vector512<float> nl, Vector512<float> dh, Vector512<float> dl)
    {
        var q0 = Reciprocal512(dh);
        var m0 = nh * q0;
        var rest = Vector512.FusedMultiplyAdd(-m0, dh, nh);
        rest = Vector512.FusedMultiplyAdd(-m0, dl, rest + nl);
        return Vector512.FusedMultiplyAdd(rest, q0, m0);
    }

    /// <summary>1 + 2^n·(h + lo) as dh + dl: Fast2Sum (2^n·h ≤ 1.42 has 1's exponent or less), then the small rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> OnePlus512(Vector512<float> eh, Vector512<float> el, out Vector512<float> dl)
    {
        var dh = Vector512<float>.One + eh;
        dl = (eh - (dh - Vector512<float>.One)) + el;
        return dh;
    }

    /// <summary>sigmoid(x) = 1/(1 + E) for x ≥ 0, E/(1 + E) below, with E = e^−|x| = 2^n·(h + lo) as a pair and
    /// the quotient refined once: within 1 ulp of ScalarSemantics' double result. The negative side's quotient
    /// M = (h + lo)/(1 + E) lies in [0.35, 1] and is scaled by 2^n last, in one rounding (2^−64 exactly, then
    /// 2^(n+64), normal for every n ≥ −150), so subnormal results round once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SigmoidSingle512(Vector512<float> x)
    {
        var y = Vector512.MaxNative(-Vector512.Abs(x), Vector512.Create(ExpLoF));
        var h = ExpPair512(y, out var nBits, out var lo);
        // E's power of two held at 2^−100 or above: below that E only moves 1 + E by < 2^−100.
        var s = Vector512.ShiftLeft(Vector512.Max(nBits, Vector512.Create(-100)) + Vector512.Create(127), 23).AsSingle();
        var dh = OnePlus512(h * s, lo * s, out var dl);
        var positive = Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero);
        var m = DividePairs512(Vector512.ConditionalSelect(positive, Vector512<float>.One, h),
            Vector512.ConditionalSelect(positive, Vector512<float>.Zero, lo), dh, dl);
        var e = Vector512.ConditionalSelect(positive.AsInt32(), Vector512<int>.Zero, nBits);
        var scale = Vector512.ShiftLeft(e + Vector512.Create(127 + 64), 23).AsSingle();
        var r = m * Vector512.Create(TwoM64F) * scale;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);
    }

    /// <summary>tanh(x) = ±(1 − E)/(1 + E) with E = e^−2|x| = 2^n·(h + lo) as a pair: 1 − E and 1 + E by Fast2Sum
    /// (exact cancellation near 0: the numerator is −(r + r²·P) there), the quotient refined once, the sign of x
    /// put back last (tanh(−0) = −0). 2|x| is clamped to 20, where tanh rounds to 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TanhSingle512(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var y = Vector512.MaxNative(-(a + a), Vector512.Create(-TanhClampF));
        var h = ExpPair512(y, out var nBits, out var lo);
        var s = Vector512.ShiftLeft(nBits + Vector512.Create(127), 23).AsSingle();
        var eh = h * s;
        var el = lo * s;
        var nh = Vector512<float>.One - eh;
        var nl = ((Vector512<float>.One - nh) - eh) - el;
        var dh = OnePlus512(eh, el, out var dl);
        var t = DividePairs512(nh, nl, dh, dl);
        var r = Vector512.Abs(t) | (x & Vector512.Create(-0f));
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);
    }
}
