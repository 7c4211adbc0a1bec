using Strata.Core;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary><c>maxnative</c> (binary, and <c>reduce_lanes maxnative</c>) against its definition, natively on each
/// target: without a NaN operand the maximum (a zero of either sign where the maximum is a zero); with one, NaN or one
/// of the operands. A NaN, signed zeros and infinities in every lane position, on random backgrounds.</summary>
public class MaxNativeTests
{
    [Theory]
    [InlineData("x86-64-avx512", 16)]
    [InlineData("x86-64-avx2", 8)]
    [InlineData("generic-v128", 4)]
    [InlineData("scalar", 1)]
    public void MatchesItsDefinition(string target, int lanes)
    {
        if (target == "x86-64-avx512" && !System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;
        string v = lanes == 1 ? "f32" : $"v{lanes}f32";
        string reduce = lanes == 1 ? "%m = mov %a : f32" : $"%m = reduce_lanes maxnative %a : f32";
        var k = MachineParser.Parse($$"""
            machine.kernel @mn target({{target}}) (%x: ptr<f32>[{{lanes}}], %y: ptr<f32>[{{lanes}}], %out: ptr<f32>[{{lanes}}] output, %red: ptr<f32>[1] output) programs(1) {
              %c0 = const 0 : i64
              %a = load %x[%c0] : {{v}}
              %b = load %y[%c0] : {{v}}
              %r = maxnative %a, %b : {{v}}
              store %out[%c0], %r
              {{reduce}}
              store %red[%c0], %m
            }
            """);
        var rng = new Random(7);
        float[] special = [float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, -1f, 1f, float.Epsilon, -float.MaxValue];
        foreach (var s in special)
            foreach (var background in new[] { "random", "+0", "-0", "+inf", "-inf", "nan" })
                for (int p = 0; p < lanes; p++)
                {
                    float Background() => background switch
                    {
                        "random" => (float)(rng.NextDouble() * 8 - 4),
                        "+0" => 0f,
                        "-0" => -0f,
                        "+inf" => float.PositiveInfinity,
                        "-inf" => float.NegativeInfinity,
                        _ => float.NaN,
                    };
                    var x = new float[lanes];
                    var y = new float[lanes];
                    for (int i = 0; i < lanes; i++) (x[i], y[i]) = (Background(), (float)(rng.NextDouble() * 8 - 4));
                    x[p] = s;
                    y[(p + 1) % lanes] = s;
                    var outs = NativeHarness.Call(NativeHarness.Backend.Compile(k, new()),
                        [Tensor<float>.FromArray(x, lanes), Tensor<float>.FromArray(y, lanes)]);
                    var r = outs[0].As<float>();
                    for (int i = 0; i < lanes; i++) AssertAllowed([x[i], y[i]], r[i]);
                    AssertAllowed(x, outs[1].As<float>()[0]);
                }
    }

    /// <summary>Without NaN among <paramref name="operands"/>: their maximum (as a value: −0 = +0); with one: NaN or
    /// one of them.</summary>
    private static void AssertAllowed(float[] operands, float actual)
    {
        bool ok = operands.Any(float.IsNaN)
            ? float.IsNaN(actual) || operands.Any(o => BitConverter.SingleToInt32Bits(o) == BitConverter.SingleToInt32Bits(actual))
            : actual == operands.Max() && !float.IsNaN(actual);
        Assert.True(ok, $"maxnative of [{string.Join(", ", operands.Select(o => o.ToString("R")))}] gave {actual:R}");
    }
}
