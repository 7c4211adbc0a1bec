using System.Runtime.Intrinsics;
using CsCheck;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>VectorMath's accuracy contract: every f32 lane within <see cref="VectorMath.MaxUlps"/> of ScalarSemantics
/// (double evaluation, rounded once), on edge values (NaN, ±inf, ±0, subnormals, the overflow and underflow
/// thresholds, the branch points of each method), dense sweeps and random bit patterns — on each vector width
/// the host accelerates.</summary>
public class VectorMathTests
{
    public static TheoryData<UnaryOp> Ops => new(UnaryOp.Exp, UnaryOp.Erf, UnaryOp.Tanh, UnaryOp.Sigmoid);

    private static float[] EdgeValues()
    {
        var v = new List<float>
        {
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f,
            float.MinValue, float.MaxValue, 1.17549435e-38f, -1.17549435e-38f, 1e-30f, -1e-30f, 1e-8f, -1e-8f,
            88.7228f, 88.72284f, 88.7229f, 89f, -87.33655f, -103.97208f, -103.9721f, -104f, -150f, -149f, 100f, 101f, 200f, -200f,
            1f, -1f, 0.0625f, -0.0625f, 0.06249999f, 4f, -4f, 3.92f, 3.9f, 2.25f, -2.25f, 3.9192f, 3.9193f, 20f, -20f, 9f, -9f, 40f, 0.5f, -0.5f,
        };
        foreach (float b in (float[])[1f, 0.0625f, 4f, 2.5f])
            for (int d = -3; d <= 3; d++) { v.Add(BitIncrement(b, d)); v.Add(-BitIncrement(b, d)); }
        for (double x = -110; x <= 100; x += 0.0137) v.Add((float)x);
        for (double x = -2e-3; x <= 2e-3; x += 1.3e-6) v.Add((float)x);
        return [.. v];
    }

    private static float BitIncrement(float x, int d) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) + d);

    [Theory, MemberData(nameof(Ops))]
    public void EdgesAndSweeps(UnaryOp op) => CheckAll(op, EdgeValues());

    /// <summary>erf is evaluated in f32 (two polynomials, split at |x| = 1, the upper one times the f32 exp): every
    /// 4099th f32 of [0, 4.5] and its negation, where erf is not yet ±1f (the README gives the exhaustive result).</summary>
    [Fact]
    public void ErfStridedOverItsRange()
    {
        var xs = new List<float>();
        for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(4.5f); bits += 4099)
        {
            float x = BitConverter.Int32BitsToSingle(bits);
            xs.Add(x);
            xs.Add(-x);
        }
        CheckAll(UnaryOp.Erf, [.. xs]);
    }

    [Fact]
    public void ErfOfNegativeZeroIsPositiveZeroAsInScalarSemantics()
    {
        foreach (int width in (int[])[128, 256, 512])
        {
            if (!Accelerated(width)) continue;
            var r = Call(VectorMath.Method(UnaryOp.Erf, width), width, [.. Enumerable.Repeat(-0f, width / 32)]);
            Assert.All(r, v => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(v)));
        }
    }

    [Theory, MemberData(nameof(Ops))]
    public void RandomBitPatterns(UnaryOp op) =>
        Gen.UInt.Array[512].Sample(bits => CheckAll(op, [.. bits.Select(BitConverter.UInt32BitsToSingle)]), iter: 20, threads: 1);

    [Theory, MemberData(nameof(Ops))]
    public void RandomModerateValues(UnaryOp op) =>
        Gen.Float[-12f, 12f].Array[512].Sample(xs => CheckAll(op, xs), iter: 20, threads: 1);

    [Fact]
    public void HandlesOnlyF32OnFullVectors()
    {
        Assert.True(VectorMath.Handles(UnaryOp.Exp, DataType.Float32, 256));
        Assert.False(VectorMath.Handles(UnaryOp.Exp, DataType.Float64, 256));
        Assert.False(VectorMath.Handles(UnaryOp.Exp, DataType.Float32, 64));
        Assert.False(VectorMath.Handles(UnaryOp.Log, DataType.Float32, 512));
    }

    private static void CheckAll(UnaryOp op, float[] xs)
    {
        foreach (int width in (int[])[128, 256, 512])
        {
            if (!Accelerated(width)) continue;
            int lanes = width / 32;
            var method = VectorMath.Method(op, width);
            for (int start = 0; start < xs.Length; start += lanes)
            {
                var chunk = new float[lanes];
                for (int j = 0; j < lanes; j++) chunk[j] = xs[(start + j) % xs.Length];
                var result = Call(method, width, chunk);
                for (int j = 0; j < lanes; j++)
                {
                    float expected = (float)ScalarSemantics.Unary(op, DataType.Float32, Scalar.Float(chunk[j])).F;
                    long ulps = NativeHarness.UlpDistance(expected, result[j]);
                    if (ulps > VectorMath.MaxUlps)
                        Assert.Fail($"{op}{width}({chunk[j]:R} = 0x{BitConverter.SingleToUInt32Bits(chunk[j]):X8}): ScalarSemantics {expected:R}, VectorMath {result[j]:R} ({ulps} ulps)");
                }
            }
        }
    }

    private static bool Accelerated(int width) => width switch
    {
        128 => Vector128.IsHardwareAccelerated,
        256 => Vector256.IsHardwareAccelerated,
        _ => Vector512.IsHardwareAccelerated,
    };

    private static float[] Call(System.Reflection.MethodInfo method, int width, float[] lanes)
    {
        object arg = width switch
        {
            128 => Vector128.Create(lanes),
            256 => Vector256.Create(lanes),
            _ => Vector512.Create(lanes),
        };
        object r = method.Invoke(null, [arg])!;
        var output = new float[lanes.Length];
        switch (r)
        {
            case Vector128<float> v: v.CopyTo(output); break;
            case Vector256<float> v: v.CopyTo(output); break;
            case Vector512<float> v: v.CopyTo(output); break;
        }
        return output;
    }
}
