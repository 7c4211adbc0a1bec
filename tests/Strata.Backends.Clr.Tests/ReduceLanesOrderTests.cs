using Strata.Core;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary><c>reduce_lanes</c> float sums round in the Machine IR's tree order (lane i with lane i + n/2, n halving),
/// natively and in the interpreter: lanes chosen so that every other order gives another sum.</summary>
public class ReduceLanesOrderTests
{
    [Theory]
    [InlineData("x86-64-avx512", 16)]
    [InlineData("x86-64-avx2", 8)]
    [InlineData("generic-v128", 4)]
    public void FloatSumsFoldTheUpperHalfOntoTheLower(string target, int lanes)
    {
        var k = MachineParser.Parse($$"""
            machine.kernel @tree target({{target}}) (%x: ptr<f32>[{{lanes}}], %out: ptr<f32>[2] output) programs(1) {
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %v = load %x[%c0] : v{{lanes}}f32
              %s = reduce_lanes sum %v : f32
              %m = reduce_lanes max %v : f32
              store %out[%c0], %s
              store %out[%c1], %m
            }
            """);
        // Big values that cancel only when paired with their partner n/2 lanes away, small ones that survive only then.
        var x = new float[lanes];
        for (int i = 0; i < lanes / 2; i++)
        {
            x[i] = i % 2 == 0 ? 1e8f : 1f;
            x[i + lanes / 2] = i % 2 == 0 ? -1e8f : 3f;
        }
        var outs = NativeHarness.AssertMatchesInterpreter(k, [Tensor<float>.FromArray(x, lanes)]);
        Assert.Equal(Tree(x), outs[0].As<float>()[0]);
        Assert.Equal(4f * (lanes / 4), outs[0].As<float>()[0]); // lanes/4 pairs of 1 + 3 survive
        Assert.Equal(1e8f, outs[0].As<float>()[1]);
    }

    private static float Tree(float[] x)
    {
        var l = (float[])x.Clone();
        for (int n = l.Length; n > 1; n /= 2)
            for (int i = 0; i < n / 2; i++) l[i] += l[i + n / 2];
        return l[0];
    }
}
