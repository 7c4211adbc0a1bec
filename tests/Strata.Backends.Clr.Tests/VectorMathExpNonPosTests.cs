using System.Runtime.Intrinsics;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>exp(min(x, 0)) (<see cref="UnaryOp.ExpNonPos"/>): within 1 ulp of ScalarSemantics (the double exp rounded
/// to f32) on every x ≤ 0 — its own shorter polynomial, so not the general exp's bits. Every f32 ≤ 0 with
/// STRATA_EXHAUSTIVE=1 (2^31 values per width; the default walks every 251st). On a host without AVX-512 the same tests
/// check the integer-exponent scaling instead of vscalefps (DOTNET_EnableAVX512F=0 runs them so here).</summary>
public class VectorMathExpNonPosTests
{
    [Fact]
    public void WithinOneUlpOnEveryNonPositiveF32()
    {
        int stride = Environment.GetEnvironmentVariable("STRATA_EXHAUSTIVE") == "1" ? 1 : 251;
        // Non-positive f32 are the bit patterns 0x80000000 (−0) … 0xFF800000 (−inf); NaNs lie above.
        const uint first = 0x80000000u, last = 0xFF800000u;
        var xs = new float[16];
        int oneUlp = 0, total = 0;
        for (ulong start = first; start <= last; start += 16ul * (ulong)stride)
        {
            for (int j = 0; j < 16; j++) xs[j] = BitConverter.UInt32BitsToSingle((uint)Math.Min(start + (ulong)(j * stride), last));
            oneUlp += Compare(xs);
            total += 16;
        }
        Compare([float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0xFFC00001), -0f, 0f, float.NegativeInfinity,
            -103.97208f, -103.9721f, -104f, -87.33655f, -float.Epsilon, -1e-30f, -1e-8f, -0.5f, -1f, -40f]);
        // Nearly always the correctly rounded result: a regression to a cruder polynomial shows here first.
        Assert.True(oneUlp < total / 50, $"{oneUlp} of {total} results 1 ulp off");
    }

    /// <summary>expnonpos is exp(min(x, 0)): exactly 1 above 0, as ScalarSemantics says.</summary>
    [Fact]
    public void IsOneAboveZero()
    {
        float[] xs = [float.Epsilon, 1e-30f, 0.25f, 1f, 40f, 43.7f, 88.8f, 1e10f, float.MaxValue, float.PositiveInfinity, 3f, 7f, 100f, 200f, 0.5f, 2f];
        foreach (int width in (int[])[128, 256, 512])
            Assert.All(Lanes(width, xs), r => Assert.Equal(1f, r));
        Assert.All(xs, x => Assert.Equal(1.0, ScalarSemantics.Unary(UnaryOp.ExpNonPos, DataType.Float32, Scalar.Float(x)).F));
    }

    [Fact]
    public void WithinOneUlpOfScalarSemanticsOnTheEdges()
    {
        float[] xs = [-0f, 0f, -float.Epsilon, -1e-40f, -1e-30f, -1e-8f, -0.34657359f, -0.34657362f, -1f, -20f, -87.33654f,
            -87.33655f, -87.33656f, -100f, -103.97207f, -103.97208f, -103.9721f, -104f, -150f, float.MinValue,
            float.NegativeInfinity, float.NaN];
        foreach (int width in (int[])[128, 256, 512])
            for (int i = 0; i < xs.Length; i++)
            {
                float x = xs[i], r = Lanes(width, Enumerable.Repeat(x, 16).ToArray())[0];
                float expected = (float)ScalarSemantics.Unary(UnaryOp.ExpNonPos, DataType.Float32, Scalar.Float(x)).F;
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(r), $"exp({x:R}) = {r:R}");
                else Assert.True(NativeHarness.UlpDistance(expected, r) <= VectorMath.MaxUlps, $"exp_nonpos{width}({x:R}) = {r:R}, expected {expected:R}");
            }
    }

    [Fact]
    public void HandledAsTheVectorHelper()
    {
        Assert.True(VectorMath.Handles(UnaryOp.ExpNonPos, DataType.Float32, 512));
        Assert.Equal(nameof(VectorMath.ExpNonPos256), VectorMath.Method(UnaryOp.ExpNonPos, 256).Name);
    }

    /// <summary>Fails on a result more than 1 ulp from ScalarSemantics'; returns how many (over the widths) are 1 ulp off.</summary>
    private static int Compare(float[] xs)
    {
        int off = 0;
        foreach (int width in (int[])[128, 256, 512])
        {
            var r = Lanes(width, xs);
            for (int j = 0; j < xs.Length; j++)
            {
                float expected = (float)Math.Exp(Math.Min((double)xs[j], 0)); // ScalarSemantics' ExpNonPos, inlined: 2^31 calls
                if (float.IsNaN(expected)) { if (!float.IsNaN(r[j])) Assert.Fail($"exp_nonpos{width}(NaN) = {r[j]:R}"); continue; }
                long d = NativeHarness.UlpDistance(expected, r[j]);
                if (d > VectorMath.MaxUlps) Assert.Fail($"exp_nonpos{width}({xs[j]:R} = 0x{BitConverter.SingleToUInt32Bits(xs[j]):X8}) = {r[j]:R}, expected {expected:R}");
                if (d == 1 && width == 512) off++;
            }
        }
        return off;
    }

    // Direct calls, 16 lanes at a time (narrower widths in pieces): the exhaustive run is 2^31 lanes per width.
    private static float[] Lanes(int width, float[] xs) => Apply(width, xs, VectorMath.ExpNonPos128, VectorMath.ExpNonPos256, VectorMath.ExpNonPos512);

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
