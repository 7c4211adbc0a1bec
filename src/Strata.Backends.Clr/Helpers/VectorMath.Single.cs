using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Backends.Clr.Helpers;

// exp in f32 itself, on each register width: the same code three times, for Vector128/256/512 (edit all three
// together; no generic form over the widths expresses the integer reinterpretation of 2^n).
// x = n·ln2 + r, |r| ≤ ln2/2: n·ln2 is subtracted in two steps (Cody–Waite: ln2 = Ln2HiF + Ln2LoF with Ln2HiF's few
// bits, so the first step is exact and only the second rounds, by ≤ 2^-26 absolute); e^r = 1 + (r + r²·P(r)), P of
// degree 5, the 1 added last (one rounding of a value ≥ 0.7, the polynomial's own errors scaled by |r|); 2^n from
// integer exponent bits, applied as 2^⌊n/2⌋·2^⌈n/2⌉ so results that overflow or are subnormal round once (x is clamped
// to [−104, 89]: e^−104 rounds to 0 and e^89 to inf). Measured against the correctly rounded double exp over every f32
// in [−104, 89]: within 1 ulp (VectorMathTests checks edges, sweeps and random inputs).
// NaN needs no select: the clamp passes x as the second operand of MaxNative/MinNative, which return their second
// operand when either is NaN (x86 maxps/minps; Arm's fmax/fmin return NaN anyway), so a NaN lane is NaN in c and
// stays NaN through every later op (the final product: NaN times any 2^n bits is NaN).
internal static partial class VectorMath
{
    private const float ExpLoF = -104f, ExpHiF = 89f, Log2EF = 1.44269504f, ShifterF = 12582912f; // 1.5·2^23
    private const float Ln2HiF = 0.693359375f, Ln2LoF = -2.12194440e-4f;
    private const int ShifterBits = 0x4B400000;

    // (e^r − 1 − r)/r² on [−ln2/2, ln2/2] (Cephes expf's coefficients), evaluated by Horner from the highest.
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
        P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpSingle128(Vector128<float> x)
    {
        var c = Vector128.MinNative(Vector128.Create(ExpHiF), Vector128.MaxNative(Vector128.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector128.FusedMultiplyAdd(c, Vector128.Create(Log2EF), Vector128.Create(ShifterF));
        var n = kf - Vector128.Create(ShifterF);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiF), c);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoF), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        var y = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        // kf's low bits hold n (|n| ≤ 151): 2^⌊n/2⌋ and 2^(n − ⌊n/2⌋) are both normal.
        var ni = kf.AsInt32() - Vector128.Create(ShifterBits);
        var half = Vector128.ShiftRightArithmetic(ni, 1);
        var s1 = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        var s2 = Vector128.ShiftLeft(ni - half + Vector128.Create(127), 23).AsSingle();
        return y * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpSingle256(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256.Create(ExpHiF), Vector256.MaxNative(Vector256.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector256.FusedMultiplyAdd(c, Vector256.Create(Log2EF), Vector256.Create(ShifterF));
        var n = kf - Vector256.Create(ShifterF);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiF), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoF), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        // kf's low bits hold n (|n| ≤ 151): 2^⌊n/2⌋ and 2^(n − ⌊n/2⌋) are both normal.
        var ni = kf.AsInt32() - Vector256.Create(ShifterBits);
        var half = Vector256.ShiftRightArithmetic(ni, 1);
        var s1 = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - half + Vector256.Create(127), 23).AsSingle();
        return y * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpSingle512(Vector512<float> x)
    {
        var c = Vector512.MinNative(Vector512.Create(ExpHiF), Vector512.MaxNative(Vector512.Create(ExpLoF), x)); // x last: a NaN x passes (see above)
        var kf = Vector512.FusedMultiplyAdd(c, Vector512.Create(Log2EF), Vector512.Create(ShifterF));
        var n = kf - Vector512.Create(ShifterF);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        // kf's low bits hold n (|n| ≤ 151): 2^⌊n/2⌋ and 2^(n − ⌊n/2⌋) are both normal.
        var ni = kf.AsInt32() - Vector512.Create(ShifterBits);
        var half = Vector512.ShiftRightArithmetic(ni, 1);
        var s1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - half + Vector512.Create(127), 23).AsSingle();
        return y * s1 * s2;
    }
}
