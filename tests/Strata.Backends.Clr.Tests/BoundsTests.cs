using Strata.Core;
using Strata.Machine.Backend;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>Bounds checks: proven accesses are emitted bare, data-dependent ones are always checked, --checked checks
/// every access, and a failing check throws a StrataException naming kernel, memory and index instead of touching memory.</summary>
public class BoundsTests
{
    private const string Tail = """
        machine.kernel @tail target(x86-64-avx2) (%x: ptr<f32>[13], %out: ptr<f32>[13] output) programs(2) {
          %p = program_id 0 : i64
          %c8 = const 8 : i64
          %c13 = const 13 : i64
          %base = mul %p, %c8 : i64
          %rest = sub %c13, %base : i64
          %n = min %rest, %c8 : i64
          %a = load %x[%base] count %n : v8f32
          store %out[%base], %a count %n
        }
        """;

    private const string Gather = """
        machine.kernel @gather target(scalar) (%x: ptr<f32>[10], %idx: ptr<i64>[4], %out: ptr<f32>[4] output) programs(4) {
          %p = program_id 0 : i64
          %i = load %idx[%p] : i64
          %v = load %x[%i] : f32
          store %out[%p], %v
        }
        """;

    [Fact]
    public void ProvenAccessesAreEmittedWithoutChecksAndCheckedModeChecksAll()
    {
        var k = MachineParser.Parse(Tail);
        var plain = (ClrNativeKernel)NativeHarness.Backend.Compile(k, NativeCompileOptions.Default);
        var all = (ClrNativeKernel)NativeHarness.Backend.Compile(k, new NativeCompileOptions(Checked: true));
        Assert.Equal(0, plain.CheckedAccesses);
        Assert.Equal(2, all.CheckedAccesses);
        var x = Tensor<float>.FromArray(Enumerable.Range(0, 13).Select(i => i + 0.25f).ToArray(), 13);
        Assert.Equal(x.ToArray(), NativeHarness.Call(plain, [x])[0].As<float>().ToArray());
        Assert.Equal(x.ToArray(), NativeHarness.Call(all, [x])[0].As<float>().ToArray());
    }

    [Fact]
    public void GathersAreAlwaysCheckedAndFailWithAStrataException()
    {
        var k = MachineParser.Parse(Gather);
        var native = (ClrNativeKernel)NativeHarness.Backend.Compile(k, NativeCompileOptions.Default);
        Assert.Equal(1, native.CheckedAccesses); // %idx[%p] is proven, %x[%i] is not
        var x = Tensor<float>.FromArray(Enumerable.Range(0, 10).Select(i => i * 1.5f).ToArray(), 10);
        Assert.Equal([3f, 0f, 13.5f, 1.5f], NativeHarness.Call(native, [x, Tensor<long>.FromArray([2, 0, 9, 1], 4)])[0].As<float>().ToArray());

        foreach (long bad in new long[] { 10, -1, long.MaxValue, long.MinValue })
        {
            var e = Assert.Throws<StrataException>(() => NativeHarness.Call(native, [x, Tensor<long>.FromArray([2, 0, bad, 1], 4)]));
            Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
            Assert.Equal($"kernel @gather: load %x[{bad}] is out of bounds (length 10)", e.Message);
            Assert.Equal("native kernel @gather", e.Location);
        }
    }

    [Fact]
    public void AFailedStoreCheckThrowsBeforeWriting()
    {
        var k = MachineParser.Parse("""
            machine.kernel @scatter target(x86-64-avx2) (%idx: ptr<i64>[2], %out: ptr<f32>[16] output) programs(2) {
              %p = program_id 0 : i64
              %i = load %idx[%p] : i64
              %v = const 7.0 : v8f32
              %c3 = const 3 : i64
              store %out[%i], %v count %c3
            }
            """);
        var native = NativeHarness.Backend.Compile(k, NativeCompileOptions.Default);
        var outT = Tensor<float>.FromArray(new float[16], 16);
        var idx = Tensor<long>.FromArray([14, 2], 2);
        var e = Assert.Throws<StrataException>(() => NativeHarness.Run(native, [idx, outT], 0, 2));
        Assert.Equal("kernel @scatter: store %out[14] (3 lanes) is out of bounds (length 16)", e.Message);
        Assert.All(outT.ToArray(), v => Assert.Equal(0f, v)); // instance 0 failed before writing; instance 1 never ran
        NativeHarness.Run(native, [Tensor<long>.FromArray([13, 0], 2), outT], 0, 2);
        Assert.Equal([7f, 7f, 7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7f, 7f, 7f], outT.ToArray());
    }

    [Fact]
    public void ACountOutsideTheLanesIsClampedAsTheInterpreterDoes()
    {
        var k = MachineParser.Parse("""
            machine.kernel @count target(x86-64-avx2) (%n: ptr<i64>[1], %x: ptr<f32>[16], %out: ptr<f32>[16] output) programs(1) {
              %c0 = const 0 : i64
              %m = load %n[%c0] : i64
              %v = load %x[%c0] count %m other -1.0 : v8f32
              store %out[%c0], %v count %m
            }
            """);
        var x = Tensor<float>.FromArray(Enumerable.Range(1, 16).Select(i => (float)i).ToArray(), 16);
        foreach (long n in new long[] { 9, -1, 0, 3 })
        {
            var outs = NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([n], 1), x]);
            long lanes = Math.Clamp(n, 0, 8);
            Assert.Equal(Enumerable.Range(0, 16).Select(i => i < lanes ? i + 1f : 0f), outs[0].As<float>().ToArray());
        }
    }
}
