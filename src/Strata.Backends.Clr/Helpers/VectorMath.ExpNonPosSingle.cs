using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

// exp(min(x, 0)) in f32 (UnaryOp.ExpNonPos: softmax's exp(x − max), whose argument is ≤ 0 or NaN), on each register
// width: the same code three times, for Vector128/256/512 (edit all three together). ExpSingle's clamp and Cody–Waite
// reduction (the upper clamp is 0, so n ≤ 0), then a shorter evaluation than ExpSingle's, because softmax spends most of
// its time here: e^r by Horner in one degree-6 polynomial with the low coefficients 1 and 1 (six FMAs; the last,
// q·r + 1, rounds once, as ExpSingle's final 1 + t does), whose own error is below 2^−28 on |r| ≤ ln2/2 (a near-minimax
// fit of (e^r − 1 − r)/r², rounded to f32), instead of ExpSingle's degree-7 form (eight ops). The result y·2^n lies in
// (0, 1]: with AVX-512 one vscalefps, which rounds once where the result is subnormal; without it, y·2^−64 (exact) times
// 2^(n+64), normal for every n in [−150, 0], which rounds the same once. Measured against the correctly rounded double exp
// on every f32 in [−104, 0] (and the same code with the upper clamp 89 on [0, 89]): within 1 ulp, 0.5% of the results
// 1 ulp off (VectorMathExpNonPosTests walks them all with STRATA_EXHAUSTIVE=1); above 0 the result is exactly 1.
// NaN passes the clamp as in ExpSingle (x last in MaxNative/MinNative) and stays NaN through every later op.
internal static partial class VectorMath
{
    // 1.5·2^23 + 191: adding it rounds c·log2e to an integer n and leaves n + 127 + 64 in the low bits.
    private const float ShifterBiasedF = 12583103f, TwoM64F = 5.42101086e-20f; // 2^−64

    // e^r ≈ 1 + r·(1 + r·(E2 + r·(E3 + r·(E4 + r·(E5 + r·E6))))) on [−ln2/2, ln2/2].
    private const float E2 = 4.999999404e-1f, E3 = 1.666651964e-1f, E4 = 4.166839644e-2f, E5 = 8.368817158e-3f, E6 = 1.381438924e-3f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpNonPosSingle128(Vector128<float> x)
    {
        var c = Vector128.MinNative(Vector128<float>.Zero, Vector128.MaxNative(Vector128.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector128.FusedMultiplyAdd(c, Vector128.Create(Log2EF), Vector128.Create(ShifterBiasedF));
        var n = kf - Vector128.Create(ShifterBiasedF);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiF), c);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoF), r);
        var q = Vector128.FusedMultiplyAdd(Vector128.Create(E6), r, Vector128.Create(E5));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(E4));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(E3));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(E2));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128<float>.One);
        var y = Vector128.FusedMultiplyAdd(q, r, Vector128<float>.One);
        if (Avx512F.VL.IsSupported) return Avx512F.VL.Scale(y, n);
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector128.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * Vector128.Create(TwoM64F) * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPosSingle256(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256<float>.Zero, Vector256.MaxNative(Vector256.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector256.FusedMultiplyAdd(c, Vector256.Create(Log2EF), Vector256.Create(ShifterBiasedF));
        var n = kf - Vector256.Create(ShifterBiasedF);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiF), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoF), r);
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(E6), r, Vector256.Create(E5));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(E4));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(E3));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(E2));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256<float>.One);
        var y = Vector256.FusedMultiplyAdd(q, r, Vector256<float>.One);
        if (Avx512F.VL.IsSupported) return Avx512F.VL.Scale(y, n);
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector256.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * Vector256.Create(TwoM64F) * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpNonPosSingle512(Vector512<float> x)
    {
        var c = Vector512.MinNative(Vector512<float>.Zero, Vector512.MaxNative(Vector512.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector512.FusedMultiplyAdd(c, Vector512.Create(Log2EF), Vector512.Create(ShifterBiasedF));
        var n = kf - Vector512.Create(ShifterBiasedF);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(E6), r, Vector512.Create(E5));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(E4));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(E3));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(E2));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512<float>.One);
        var y = Vector512.FusedMultiplyAdd(q, r, Vector512<float>.One);
        if (Avx512F.IsSupported) return Avx512F.Scale(y, n);
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector512.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * Vector512.Create(TwoM64F) * s;
    }
}
