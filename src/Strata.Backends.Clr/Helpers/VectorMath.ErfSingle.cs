using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

// erf in f32 itself, on each register width: the same code three times, for Vector128/256/512 (edit all three
// together; no generic form over the widths expresses the exp of each width it calls).
// |x| < 1: erf(x) = x·P(x²), P(u) = C0 + u·S(u), S of degree 6 fitted to (erf(√u)/√u − C0)/u on [0, 1] with f32
// coefficients; C0 = 2/√π is split in two (C0Hi + C0Lo) and x·C0Hi is added last by one FMA, so the result's error is
// its own rounding plus a few hundredths of an ulp. 1 ≤ |x|: erf = 1 − e^(−x²)·R(|x|), R = erfc·e^(x²) fitted by a
// degree-9 polynomial in |x| − 2.25 on [1, 4] (weighted by e^(−x²): error 0.015 ulp of 1); x² is split exactly
// (FMA) into hi + lo and e^(−hi−lo) taken as e^(−hi)·(1 − lo), e^(−hi) by ErfExpSingle (the f32 exp's bits, without
// the clamp and two-step scaling that −hi in [−16, −1] does not need); |x| is clamped to 4, where erf rounds to 1f.
// Sign restored by copying x's; erf(−0) = +0 as ScalarSemantics' series gives it; NaN passes through (it fails the
// 1 ≤ |x| test and the small branch keeps it NaN). Measured against ScalarSemantics over every f32
// (tests/…/VectorMathTests and the README give the bound).
internal static partial class VectorMath
{
    private const float ErfSplitF = 1f, ErfClampF = 4f, ErfCenterF = 2.25f;
    private const float C0Hi = 1.128379225730896f, C0Lo = -5.8635382771399236e-08f;
    private const float ErfShifterF = 12583039f; // 1.5·2^23 + 127: adding it rounds c·log2e to n and leaves n + 127 in the low bits

    // S(u), highest power first.
    private const float S0 = -9.628813131712377e-06f, S1 = 0.00011253565025981516f, S2 = -0.0008482566336169839f,
        S3 = 0.005220947787165642f, S4 = -0.026865411549806595f, S5 = 0.11283782124519348f, S6 = -0.37612637877464294f;

    // R(2.25 + t), highest power first.
    private const float R0 = -2.6670677470974624e-05f, R1 = 9.995047548727598e-06f, R2 = -7.916121830930933e-05f,
        R3 = 0.0003948930243495852f, R4 = -0.0011333676520735025f, R5 = 0.0036013550125062466f,
        R6 = -0.01101163774728775f, R7 = 0.03199267387390137f, R8 = -0.08848585188388824f, R9 = 0.2310873121023178f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ErfSingle128(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var u = x * x;
        var s = Vector128.FusedMultiplyAdd(Vector128.Create(S0), u, Vector128.Create(S1));
        s = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(S2));
        s = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(S3));
        s = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(S4));
        s = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(S5));
        s = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(S6));
        var q = Vector128.FusedMultiplyAdd(s, u, Vector128.Create(C0Lo));
        // The inner FMA adds +0, so x = −0 gives +0.
        var small = Vector128.FusedMultiplyAdd(x, Vector128.Create(C0Hi), Vector128.FusedMultiplyAdd(x, q, Vector128<float>.Zero));

        var b = Vector128.MinNative(Vector128.MaxNative(a, Vector128.Create(ErfSplitF)), Vector128.Create(ErfClampF));
        var hi = b * b;
        var lo = Vector128.FusedMultiplyAdd(b, b, -hi);
        var t = b - Vector128.Create(ErfCenterF);
        var r = Vector128.FusedMultiplyAdd(Vector128.Create(R0), t, Vector128.Create(R1));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R2));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R3));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R4));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R5));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R6));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R7));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R8));
        r = Vector128.FusedMultiplyAdd(r, t, Vector128.Create(R9));
        var er = ErfExpSingle128(-hi) * r;
        var erfc = Vector128.FusedMultiplyAdd(-lo, er, er);
        var large = (Vector128<float>.One - erfc) | (x & Vector128.Create(-0f));

        // A NaN lane fails the comparison and takes small, which is NaN.
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(ErfSplitF)), large, small);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfSingle256(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var u = x * x;
        var s = Vector256.FusedMultiplyAdd(Vector256.Create(S0), u, Vector256.Create(S1));
        s = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(S2));
        s = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(S3));
        s = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(S4));
        s = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(S5));
        s = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(S6));
        var q = Vector256.FusedMultiplyAdd(s, u, Vector256.Create(C0Lo));
        // The inner FMA adds +0, so x = −0 gives +0.
        var small = Vector256.FusedMultiplyAdd(x, Vector256.Create(C0Hi), Vector256.FusedMultiplyAdd(x, q, Vector256<float>.Zero));

        var b = Vector256.MinNative(Vector256.MaxNative(a, Vector256.Create(ErfSplitF)), Vector256.Create(ErfClampF));
        var hi = b * b;
        var lo = Vector256.FusedMultiplyAdd(b, b, -hi);
        var t = b - Vector256.Create(ErfCenterF);
        var r = Vector256.FusedMultiplyAdd(Vector256.Create(R0), t, Vector256.Create(R1));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R2));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R3));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R4));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R5));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R6));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R7));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R8));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(R9));
        var er = ErfExpSingle256(-hi) * r;
        var erfc = Vector256.FusedMultiplyAdd(-lo, er, er);
        var large = (Vector256<float>.One - erfc) | (x & Vector256.Create(-0f));

        // A NaN lane fails the comparison and takes small, which is NaN.
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(ErfSplitF)), large, small);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfSingle512(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var u = x * x;
        var s = Vector512.FusedMultiplyAdd(Vector512.Create(S0), u, Vector512.Create(S1));
        s = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(S2));
        s = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(S3));
        s = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(S4));
        s = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(S5));
        s = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(S6));
        var q = Vector512.FusedMultiplyAdd(s, u, Vector512.Create(C0Lo));
        // The inner FMA adds +0, so x = −0 gives +0.
        var small = Vector512.FusedMultiplyAdd(x, Vector512.Create(C0Hi), Vector512.FusedMultiplyAdd(x, q, Vector512<float>.Zero));

        var b = Vector512.MinNative(Vector512.MaxNative(a, Vector512.Create(ErfSplitF)), Vector512.Create(ErfClampF));
        var hi = b * b;
        var lo = Vector512.FusedMultiplyAdd(b, b, -hi);
        var t = b - Vector512.Create(ErfCenterF);
        var r = Vector512.FusedMultiplyAdd(Vector512.Create(R0), t, Vector512.Create(R1));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R2));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R3));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R4));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R5));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R6));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R7));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R8));
        r = Vector512.FusedMultiplyAdd(r, t, Vector512.Create(R9));
        var er = ErfExpSingle512(-hi) * r;
        var erfc = Vector512.FusedMultiplyAdd(-lo, er, er);
        var large = (Vector512<float>.One - erfc) | (x & Vector512.Create(-0f));

        // A NaN lane fails the comparison and takes small, which is NaN.
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(ErfSplitF)), large, small);
    }

    // ErfExpSingle128/256/512: ExpSingle for erf's argument −b², which lies in [−16, −1] (b is clamped; a NaN lane
    // takes small): no clamp, and 2^n (n in [−24, −1]) is one normal power of two taken from kf's low bits (the shifter
    // carries the exponent bias 127), so y·2^n is exact and equals ExpSingle's y·2^⌊n/2⌋·2^⌈n/2⌉ bit for bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ErfExpSingle128(Vector128<float> c)
    {
        var kf = Vector128.FusedMultiplyAdd(c, Vector128.Create(Log2EF), Vector128.Create(ErfShifterF));
        var n = kf - Vector128.Create(ErfShifterF);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiF), c);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoF), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        var y = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        return y * Vector128.ShiftLeft(kf.AsInt32(), 23).AsSingle();
    }

    // ErfExpSingle128 at 256 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ErfExpSingle256(Vector256<float> c)
    {
        var kf = Vector256.FusedMultiplyAdd(c, Vector256.Create(Log2EF), Vector256.Create(ErfShifterF));
        var n = kf - Vector256.Create(ErfShifterF);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiF), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoF), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        return y * Vector256.ShiftLeft(kf.AsInt32(), 23).AsSingle();
    }

    // ErfExpSingle128 at 512 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ErfExpSingle512(Vector512<float> c)
    {
        var kf = Vector512.FusedMultiplyAdd(c, Vector512.Create(Log2EF), Vector512.Create(ErfShifterF));
        var n = kf - Vector512.Create(ErfShifterF);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        return y * Vector512.ShiftLeft(kf.AsInt32(), 23).AsSingle();
    }
}
