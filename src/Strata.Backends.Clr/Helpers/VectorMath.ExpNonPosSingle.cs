using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

// exp(min(x, 0)) in f32 (UnaryOp.ExpNonPos: softmax's exp(x − max), whose argument is ≤ 0 or NaN), on each register
// width: the same code three times, for Vector128/256/512 (edit all three together). ExpSingle's reduction and
// polynomial, less what x ≤ 0 makes dead: the upper clamp is 0 (so n ≤ 0), and 2^n is one power of two instead of two. The result y·2^n lies in (0, 1]; y is
// computed pre-scaled by 2^−64 (the last FMA adds 2^−64 instead of 1: the same rounding, scaled exactly) and multiplied
// by 2^(n+64), which is normal for every n in [−150, 0], so a subnormal result rounds once, as ExpSingle's two-step
// scaling does. The results equal ExpSingle's bit for bit on every f32 ≤ 0 (VectorMathExpNonPosTests; all of them with STRATA_EXHAUSTIVE=1), so the
// 1-ulp bound carries over; above 0 the result is exactly 1.
internal static partial class VectorMath
{
    // 1.5·2^23 + 191: adding it rounds c·log2e to an integer n and leaves n + 127 + 64 in the low bits.
    private const float ShifterBiasedF = 12583103f, TwoM64F = 5.42101086e-20f; // 2^−64

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpNonPosSingle128(Vector128<float> x)
    {
        var c = Vector128.MinNative(Vector128<float>.Zero, Vector128.MaxNative(Vector128.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector128.FusedMultiplyAdd(c, Vector128.Create(Log2EF), Vector128.Create(ShifterBiasedF));
        var n = kf - Vector128.Create(ShifterBiasedF);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiF), c);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoF), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        // 2^−64·(1 + t), rounded once: the same bits as ExpSingle's y, scaled by an exact power of two.
        var y = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(p, r * r, r), Vector128.Create(TwoM64F), Vector128.Create(TwoM64F));
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector128.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPosSingle256(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256<float>.Zero, Vector256.MaxNative(Vector256.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector256.FusedMultiplyAdd(c, Vector256.Create(Log2EF), Vector256.Create(ShifterBiasedF));
        var n = kf - Vector256.Create(ShifterBiasedF);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiF), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoF), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        // 2^−64·(1 + t), rounded once: the same bits as ExpSingle's y, scaled by an exact power of two.
        var y = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(p, r * r, r), Vector256.Create(TwoM64F), Vector256.Create(TwoM64F));
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector256.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpNonPosSingle512(Vector512<float> x)
    {
        var c = Vector512.MinNative(Vector512<float>.Zero, Vector512.MaxNative(Vector512.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector512.FusedMultiplyAdd(c, Vector512.Create(Log2EF), Vector512.Create(ShifterBiasedF));
        var n = kf - Vector512.Create(ShifterBiasedF);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        // 2^−64·(1 + t), rounded once: the same bits as ExpSingle's y, scaled by an exact power of two.
        var y = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(p, r * r, r), Vector512.Create(TwoM64F), Vector512.Create(TwoM64F));
        // kf's low bits hold n + 191 (41 … 191): shifted into the exponent field they are 2^(n + 64).
        var s = Vector512.ShiftLeft(kf.AsInt32(), 23).AsSingle();
        return y * s;
    }
}
