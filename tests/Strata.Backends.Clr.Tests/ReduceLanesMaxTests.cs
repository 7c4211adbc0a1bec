using Strata.Core;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>f32 <c>reduce_lanes max/min</c> (vrangeps on AVX-512DQ hosts, NaN checked once on the whole vector):
/// a NaN, a signed zero or an infinity in every lane position, bit for bit against Math.Max/Min folded over the lanes
/// (the harness alone would let −0 pass for +0), and against the Machine interpreter.</summary>
public class ReduceLanesMaxTests
{
    [Theory]
    [InlineData("x86-64-avx512", 16)]
    [InlineData("x86-64-avx2", 8)]
    [InlineData("generic-v128", 4)]
    public void NaNSignedZerosAndInfinitiesInEveryLane(string target, int lanes)
    {
        var k = MachineParser.Parse($$"""
            machine.kernel @mm target({{target}}) (%x: ptr<f32>[{{lanes}}], %out: ptr<f32>[2] output) programs(1) {
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %v = load %x[%c0] : v{{lanes}}f32
              %m = reduce_lanes max %v : f32
              %n = reduce_lanes min %v : f32
              store %out[%c0], %m
              store %out[%c1], %n
            }
            """);
        var rng = new Random(5);
        float[] special = [float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, -1f, 1f, float.Epsilon, -float.MaxValue];
        var cases = new List<float[]>();
        foreach (var s in special)
            foreach (var background in new[] { "random", "+0", "-0", "+inf", "-inf" })
                for (int p = 0; p < lanes; p++)
                {
                    var x = new float[lanes];
                    for (int i = 0; i < lanes; i++)
                        x[i] = background switch
                        {
                            "random" => (float)(rng.NextDouble() * 8 - 4),
                            "+0" => 0f,
                            "-0" => -0f,
                            "+inf" => float.PositiveInfinity,
                            _ => float.NegativeInfinity,
                        };
                    x[p] = s;
                    cases.Add(x);
                }
        foreach (var x in cases)
        {
            var outs = NativeHarness.AssertMatchesInterpreter(k, [Tensor<float>.FromArray(x, lanes)]);
            AssertSame(x.Aggregate(MathF.Max), outs[0].As<float>()[0], x);
            AssertSame(x.Aggregate(MathF.Min), outs[0].As<float>()[1], x);
        }
    }

    private static void AssertSame(float expected, float actual, float[] x)
    {
        bool same = float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);
        Assert.True(same, $"expected {expected:R} ({BitConverter.SingleToInt32Bits(expected):x8}), got {actual:R} ({BitConverter.SingleToInt32Bits(actual):x8}) for [{string.Join(", ", x)}]");
    }
}
