using CsCheck;
using Strata.Core;
using Strata.Machine.Text;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Kernels written in the Machine text form, run against hand computations.</summary>
public class TextKernelTests
{
    /// <summary>out[r] = Σ x[r, :]² for 37 columns: 16-lane fma accumulation with a counted tail, then reduce_lanes.</summary>
    private const string SumOfSquares = """
        machine.kernel @sumsq target(x86-64-avx512) (%x: ptr<f32>[5,37], %out: ptr<f32>[5] output)
            programs(5) {
          %row = program_id 0 : i64
          %c0 = const 0 : i64
          %c16 = const 16 : i64
          %c37 = const 37 : i64
          %base = mul %row, %c37 : i64
          %acc = const 0.0 : v16f32
          loop %j = %c0 to %c37 step 16 {
            %rest = sub %c37, %j : i64
            %n = min %rest, %c16 : i64
            %ix = add %base, %j : i64
            %v = load %x[%ix] count %n : v16f32
            %acc = fma %v, %v, %acc : v16f32
          }
          %s = reduce_lanes sum %acc : f32
          store %out[%row], %s
        }
        """;

    private static float Expected(float[] x, int row)
    {
        var acc = new float[16];
        for (int j = 0; j < 37; j += 16)
            for (int l = 0; l < 16 && j + l < 37; l++)
                acc[l] = MathF.FusedMultiplyAdd(x[row * 37 + j + l], x[row * 37 + j + l], acc[l]);
        // reduce_lanes' tree order: lane i + n/2 onto lane i, n halving.
        for (int n = 16; n > 1; n /= 2)
            for (int l = 0; l < n / 2; l++) acc[l] += acc[l + n / 2];
        return acc[0];
    }

    [Fact]
    public void SumOfSquaresAccumulatesPerLaneThenAcrossLanes()
    {
        var k = MachineParser.Parse(SumOfSquares);
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var x = Enumerable.Range(0, 5 * 37).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            var got = MachineInterpreter.Call(k, [Tensor<float>.FromArray(x, 5, 37)])[0].As<float>().ToArray();
            Assert.Equal(Enumerable.Range(0, 5).Select(r => Expected(x, r)).ToArray(), got);
        }, iter: 20);
    }

    [Fact]
    public void MaskedScalarLoopWithIfAndCasts()
    {
        // out[i] = i32(x[i]) if x[i] > 0 else -1, over 4 programs of 3 elements each (10 elements: the last
        // program's third element is masked off).
        var k = MachineParser.Parse("""
            machine.kernel @relu target(scalar) (%x: ptr<f32>[10], %out: ptr<i32>[10] output)
                programs(4) {
              %p = program_id 0 : i64
              %c0 = const 0 : i64
              %c3 = const 3 : i64
              %c10 = const 10 : i64
              %zero = const 0.0 : f32
              %m1 = const -1 : i32
              %base = mul %p, %c3 : i64
              loop %i = %c0 to %c3 step 1 {
                %ix = add %base, %i : i64
                %ok = lt %ix, %c10 : bool
                %v = load %x[%ix] mask %ok other 0.0 : f32
                %pos = gt %v, %zero : bool
                if %pos {
                  %r = cast %v : i32
                } else {
                  %r = mov %m1 : i32
                }
                store %out[%ix], %r mask %ok
              }
            }
            """);
        float[] x = [1.5f, -2, 0, 3.99f, -0.5f, 7, 100.25f, -1e9f, 2, 0.75f];
        Assert.Equal([1, -1, -1, 3, -1, 7, 100, -1, 2, 0],
            MachineInterpreter.Call(k, [Tensor<float>.FromArray(x, 10)])[0].As<int>().ToArray());
    }

    [Fact]
    public void AnUncountedTailIsReportedWithThePrintedStatement()
    {
        var k = MachineParser.Parse(SumOfSquares.Replace(" count %n", ""));
        var e = Assert.Throws<StrataException>(() => MachineInterpreter.Call(k, [Tensor<float>.FromArray(new float[5 * 37], 5, 37)]));
        Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
        Assert.Contains("@sumsq: %v = load %x[%ix] : v16f32: reads element 185 of %x (parameter of 185 elements)", e.Message);
        Assert.Contains("program (4)", e.Message); // rows 0..3 overhang into the next row, which is in bounds
    }
}
