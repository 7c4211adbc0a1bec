using System.Runtime.Intrinsics;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>f32 tanh and sigmoid (VectorMath.TanhSigmoidSingle.cs): within 1 ulp of ScalarSemantics on every f32 bit
/// pattern with STRATA_EXHAUSTIVE=1 (2^32 values; the default walks every 251st), the same bits on 128/256/512-bit
/// registers, and NaN, ±inf, ±0 and the saturation edges exact.</summary>
public class VectorMathTanhSigmoidTests
{
    [Theory]
    [InlineData(UnaryOp.Tanh)]
    [InlineData(UnaryOp.Sigmoid)]
    public void WithinOneUlpOnEveryF32(UnaryOp op)
    {
        int stride = Environment.GetEnvironmentVariable("STRATA_EXHAUSTIVE") == "1" ? 1 : 251;
        long chunks = ((1L << 32) + 16L * stride - 1) / (16L * stride);
        int workers = Math.Max(1, Environment.ProcessorCount);
        var failures = new string?[workers];
        Parallel.For(0, workers, w =>
        {
            var xs = new float[16];
            for (long c = w; c < chunks && failures[w] is null; c += workers)
            {
                for (int j = 0; j < 16; j++) xs[j] = BitConverter.UInt32BitsToSingle((uint)Math.Min((c * 16 + j) * stride, uint.MaxValue));
                failures[w] = Check(op, xs);
            }
        });
        Assert.All(failures, f => Assert.Null(f));
    }

    [Theory]
    [InlineData(UnaryOp.Tanh)]
    [InlineData(UnaryOp.Sigmoid)]
    public void EdgesAreExact(UnaryOp op)
    {
        float[] xs = [float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001), 0f, -0f, float.PositiveInfinity,
            float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, float.MaxValue, float.MinValue,
            9.010913f, 9.010914f, 17.32868f, 17.32868f, -87.33655f, -103.27893f, -103.97207f, -103.97208f, -104f, -150f,
            0.17328678f, -0.17328678f, 0.34657359f, -0.34657359f, 10f, -10f];
        Assert.Null(Check(op, xs));
        foreach (float x in (float[])[0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 100f, -200f])
        {
            float expected = Reference(op, x);
            foreach (int width in (int[])[128, 256, 512])
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(Apply(op, width, [.. Enumerable.Repeat(x, 16)])[0]));
        }
    }

    private static float Reference(UnaryOp op, float x) => (float)ScalarSemantics.Unary(op, DataType.Float32, Scalar.Float(x)).F;

    /// <summary>Null when every lane on every width is within 1 ulp of ScalarSemantics (NaN for NaN) and the widths agree bit for bit.</summary>
    private static string? Check(UnaryOp op, float[] xs)
    {
        var wide = Apply(op, 512, xs);
        foreach (int width in (int[])[128, 256])
        {
            var r = Apply(op, width, xs);
            for (int j = 0; j < 16; j++)
                if (BitConverter.SingleToUInt32Bits(r[j]) != BitConverter.SingleToUInt32Bits(wide[j]) && !(float.IsNaN(r[j]) && float.IsNaN(wide[j])))
                    return $"{op}{width}({xs[j]:R}) = {r[j]:R}, {op}512 = {wide[j]:R}";
        }
        for (int j = 0; j < 16; j++)
        {
            float expected = Reference(op, xs[j]);
            if (NativeHarness.UlpDistance(expected, wide[j]) > VectorMath.MaxUlps)
                return $"{op}({xs[j]:R} = 0x{BitConverter.SingleToUInt32Bits(xs[j]):X8}) = {wide[j]:R}, ScalarSemantics {expected:R}";
        }
        return null;
    }

    // Direct calls, 16 lanes at a time (narrower widths in pieces).
    private static float[] Apply(UnaryOp op, int width, float[] xs)
    {
        bool tanh = op == UnaryOp.Tanh;
        var r = new float[16];
        switch (width)
        {
            case 128:
                for (int o = 0; o < 16; o += 4)
                {
                    var v = Vector128.Create(xs.AsSpan(o, 4));
                    (tanh ? VectorMath.Tanh128(v) : VectorMath.Sigmoid128(v)).CopyTo(r.AsSpan(o));
                }
                break;
            case 256:
                for (int o = 0; o < 16; o += 8)
                {
                    var v = Vector256.Create(xs.AsSpan(o, 8));
                    (tanh ? VectorMath.Tanh256(v) : VectorMath.Sigmoid256(v)).CopyTo(r.AsSpan(o));
                }
                break;
            default:
                var w = Vector512.Create(xs.AsSpan(0, 16));
                (tanh ? VectorMath.Tanh512(w) : VectorMath.Sigmoid512(w)).CopyTo(r);
                break;
        }
        return r;
    }
}
