using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Backends.Clr.Helpers;

// f32 max/min across lanes with AVX-512DQ's vrangeps: one instruction per tree step instead of VectorN.Max's IEEE
// maximum (vrangeps + 2 vfixupimmps, ~35 ops for 16 lanes). On non-NaN lanes, IEEE maximum/minimum (ScalarSemantics'
// Math.Max/Min: +0 above −0) is associative and commutative, so any order gives the tree's result, and vrangeps with
// "sign from the compare result" is exactly that operation. vrangeps drops a NaN operand instead of returning it, so
// a NaN anywhere is checked once, on the whole input (NaN payloads are not part of the semantics).
internal static partial class LaneReduce
{
    private const byte RangeMax = 0b0101, RangeMin = 0b0100;   // bits 1:0 max/min, bits 3:2 sign from the compare

    private static bool HasRange => Avx512DQ.VL.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RangeLanes128(Vector128<float> v, [ConstantExpected(Max = (byte)15)] byte op)
    {
        v = Avx512DQ.VL.Range(v, SwapHalves(v), op);
        return Avx512DQ.RangeScalar(v, Sse3.MoveHighAndDuplicate(v), op).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RangeLanes(Vector128<float> v, [ConstantExpected(Max = (byte)15)] byte op)
    {
        float r = RangeLanes128(v, op);
        return Vector128.EqualsAll(v, v) ? r : float.NaN;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RangeLanes(Vector256<float> v, [ConstantExpected(Max = (byte)15)] byte op)
    {
        float r = RangeLanes128(Avx512DQ.VL.Range(v.GetLower(), v.GetUpper(), op), op);
        return Vector256.EqualsAll(v, v) ? r : float.NaN;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RangeLanes(Vector512<float> v, [ConstantExpected(Max = (byte)15)] byte op)
    {
        var h = Avx512DQ.VL.Range(v.GetLower(), v.GetUpper(), op);
        float r = RangeLanes128(Avx512DQ.VL.Range(h.GetLower(), h.GetUpper(), op), op);
        return Vector512.EqualsAll(v, v) ? r : float.NaN;
    }
}
