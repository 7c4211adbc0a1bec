using System.Runtime.Intrinsics;
using Strata.Backends.Clr.Helpers;

namespace Strata.Backends.Clr.Tests;

/// <summary>erf's own exp (ErfExpSingle: no clamp, one power of two) gives the general f32 exp's bits on its whole
/// domain [−16, −1] (erf's −b², b clamped to [1, 4]), so erf's measured bound is unchanged. Every f32 there with
/// STRATA_EXHAUSTIVE=1 (2^25 values per width; the default walks every 251st) and the ends.</summary>
public class VectorMathErfExpTests
{
    [Fact]
    public void EqualsTheGeneralExpOnErfsDomain()
    {
        int stride = Environment.GetEnvironmentVariable("STRATA_EXHAUSTIVE") == "1" ? 1 : 251;
        // −1 … −16 are the bit patterns 0xBF800000 … 0xC1800000, increasing in magnitude.
        const uint first = 0xBF800000u, last = 0xC1800000u;
        var xs = new float[16];
        for (ulong start = first; start <= last; start += 16ul * (ulong)stride)
        {
            for (int j = 0; j < 16; j++) xs[j] = BitConverter.UInt32BitsToSingle((uint)Math.Min(start + (ulong)(j * stride), last));
            Compare(xs);
        }
        Compare([-1f, -16f, -1.0000001f, -15.999999f, -2f, -4f, -8f, -1.3862944f, -11.090355f, -1.5f,
            -3.3f, -7.7f, -9.999f, -12.5f, -14.2f, -1.9999999f]);
    }

    private static void Compare(float[] xs)
    {
        foreach (int width in (int[])[128, 256, 512])
        {
            var general = Apply(width, xs, VectorMath.Exp128, VectorMath.Exp256, VectorMath.Exp512);
            var erfExp = Apply(width, xs, VectorMath.ErfExpSingle128, VectorMath.ErfExpSingle256, VectorMath.ErfExpSingle512);
            for (int j = 0; j < xs.Length; j++)
                if (BitConverter.SingleToUInt32Bits(general[j]) != BitConverter.SingleToUInt32Bits(erfExp[j]))
                    Assert.Fail($"erf_exp{width}({xs[j]:R} = 0x{BitConverter.SingleToUInt32Bits(xs[j]):X8}) = {erfExp[j]:R}, exp = {general[j]:R}");
        }
    }

    private static float[] Apply(int width, float[] xs, Func<Vector128<float>, Vector128<float>> f128,
        Func<Vector256<float>, Vector256<float>> f256, Func<Vector512<float>, Vector512<float>> f512)
    {
        var r = new float[16];
        switch (width)
        {
            case 128: for (int o = 0; o < 16; o += 4) f128(Vector128.Create(xs.AsSpan(o, 4))).CopyTo(r.AsSpan(o)); break;
            case 256: for (int o = 0; o < 16; o += 8) f256(Vector256.Create(xs.AsSpan(o, 8))).CopyTo(r.AsSpan(o)); break;
            default: f512(Vector512.Create(xs.AsSpan(0, 16))).CopyTo(r); break;
        }
        return r;
    }
}
