using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>Hand-written kernels (text form) exercising statement kinds in combination — count tails, masks, loops,
/// ifs, local buffers, multi-axis grids — natively against the Machine interpreter, and against hand-computed values.</summary>
public class StatementTests
{
    private static Tensor<float> F(params float[] v) => Tensor<float>.FromArray(v, v.Length);

    [Fact]
    public void CountTailsReadAndWriteOnlyTheFirstCountLanes()
    {
        var k = MachineParser.Parse("""
            machine.kernel @tail target(x86-64-avx2) (%x: ptr<f32>[13], %y: ptr<f32>[13], %out: ptr<f32>[13] output) programs(2) {
              %p = program_id 0 : i64
              %c8 = const 8 : i64
              %c13 = const 13 : i64
              %base = mul %p, %c8 : i64
              %rest = sub %c13, %base : i64
              %n = min %rest, %c8 : i64
              %a = load %x[%base] count %n other 1.5 : v8f32
              %b = load %y[%base] count %n : v8f32
              %s = add %a, %b : v8f32
              %t = reduce_lanes sum %s : f32
              %tv = broadcast %t : v8f32
              %u = mul %s, %tv : v8f32
              store %out[%base], %u count %n
            }
            """);
        var x = Enumerable.Range(0, 13).Select(i => (float)i).ToArray();
        var y = Enumerable.Range(0, 13).Select(i => 0.5f * i).ToArray();
        var outs = NativeHarness.AssertMatchesInterpreter(k, [F(x), F(y)]);
        // Hand computation: instance 1 has lanes 8..12 real and 3 lanes of 1.5 + 0 in its sum.
        float sum1 = 0;
        for (int i = 8; i < 13; i++) sum1 += 1.5f * i;
        sum1 += 3 * 1.5f;
        Assert.Equal(1.5f * 12 * sum1, outs[0].As<float>()[12]);
    }

    [Fact]
    public void MaskedLoadsLoopsIfsLocalBuffersAndTwoGridAxes()
    {
        var k = MachineParser.Parse("""
            machine.kernel @rows target(scalar) (%x: ptr<i32>[3,5], %out: ptr<i64>[3,5] output) programs(3, 2) {
              buffer %tmp: i64[3]
              %r = program_id 0 : i64
              %h = program_id 1 : i64
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %c3 = const 3 : i64
              %c5 = const 5 : i64
              %lo = mul %h, %c3 : i64
              %hi = add %lo, %c3 : i64
              %row = mul %r, %c5 : i64
              loop %j = %lo to %hi step 1 {
                %ok = lt %j, %c5 : bool
                %ix = add %row, %j : i64
                %v = load %x[%ix] mask %ok other -7 : i32
                %w = cast %v : i64
                %k = sub %j, %lo : i64
                store %tmp[%k], %w
              }
              loop %j = %lo to %hi step 1 {
                %ok = lt %j, %c5 : bool
                %ix = add %row, %j : i64
                %k = sub %j, %lo : i64
                %w = load %tmp[%k] : i64
                %neg = lt %w, %c0 : bool
                if %neg {
                  %w2 = mul %w, %w : i64
                } else {
                  %w2 = add %w, %c1 : i64
                }
                store %out[%ix], %w2 mask %ok
              }
            }
            """);
        var x = Tensor<int>.FromArray([3, -2, 0, 5, -1, 4, 4, -9, 2, 1, -3, 8, 6, -6, 7], 3, 5);
        var outs = NativeHarness.AssertMatchesInterpreter(k, [x]);
        Assert.Equal([4L, 4, 1, 6, 1, 5, 5, 81, 3, 2, 9, 9, 7, 36, 8], outs[0].As<long>().ToArray());
    }

    [Fact]
    public void StridedLoopWithVectorAccumulatorAndBoolVectors()
    {
        var k = MachineParser.Parse("""
            machine.kernel @dot target(generic-v128) (%x: ptr<f64>[10], %m: ptr<bool>[10], %out: ptr<f64>[1] output, %any: ptr<bool>[2] output) programs(1) {
              %c0 = const 0 : i64
              %c2 = const 2 : i64
              %c10 = const 10 : i64
              %acc = const 0.0 : v2f64
              %seen = const false : v2bool
              loop %i = %c0 to %c10 step 2 {
                %v = load %x[%i] : v2f64
                %keep = load %m[%i] : v2bool
                %z = const 0.0 : v2f64
                %s = select %keep, %v, %z : v2f64
                %acc = add %acc, %s : v2f64
                %seen = or %seen, %keep : v2bool
              }
              %t = reduce_lanes sum %acc : f64
              store %out[%c0], %t
              store %any[%c0], %seen
            }
            """);
        var x = Tensor<double>.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10);
        var m = Tensor<bool>.FromArray([true, false, true, false, true, false, true, false, false, false], 10);
        var outs = NativeHarness.AssertMatchesInterpreter(k, [x, m]);
        Assert.Equal(1 + 3 + 5 + 7, outs[0].As<double>()[0]);
        Assert.Equal([true, false], outs[1].As<bool>().ToArray());
    }

    [Fact]
    public void RunsAnyRangeOfInstances()
    {
        var k = MachineParser.Parse("""
            machine.kernel @ids target(scalar) (%out: ptr<i64>[4,3] output) programs(4, 3) {
              %a = program_id 0 : i64
              %b = program_id 1 : i64
              %c3 = const 3 : i64
              %c100 = const 100 : i64
              %i = mul %a, %c3 : i64
              %i = add %i, %b : i64
              %v = mul %a, %c100 : i64
              %v = add %v, %b : i64
              store %out[%i], %v
            }
            """);
        var native = NativeHarness.Backend.Compile(k, NativeCompileOptions.Default);
        var outT = Tensor<long>.FromArray(new long[12], 4, 3);
        NativeHarness.Run(native, [outT], 4, 9);
        Assert.Equal([0L, 0, 0, 0, 101, 102, 200, 201, 202, 0, 0, 0], outT.ToArray());
    }

    [Fact]
    public void UndefinedOpsAndIllTypedStatementsAreRefusedWithAStrataException()
    {
        var k = MachineParser.Parse("""
            machine.kernel @bad target(scalar) (%out: ptr<f32>[1] output) programs(1) {
              %c0 = const 0 : i64
              %a = const 1.0 : f32
              %b = bitand %a, %a : f32
              store %out[%c0], %b
            }
            """);
        var e = Assert.Throws<StrataException>(() => NativeHarness.Backend.Compile(k, NativeCompileOptions.Default));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains("@bad", e.Location);
        Assert.Contains("bitand", e.Message);
    }

    [Fact]
    public void PluginRegistersTheBackendUnderClr()
    {
        var registry = new ExtensionRegistry();
        registry.Load(new ClrBackendPlugin());
        var backend = registry.Find<INativeBackend>("clr");
        Assert.NotNull(backend);
        Assert.Equal("clr", backend.Name);
        Assert.True(backend.CanRun(Target.ScalarTarget));
        Assert.True(backend.CanRun(Target.GenericV128));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, backend.CanRun(Target.X86Avx512));
    }
}
