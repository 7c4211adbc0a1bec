using CsCheck;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Lane-limited vector loads and stores (<c>from %f count %n</c>, either alone): the native result must be
/// bit-identical to the Machine interpreter's for random from/count (inside and outside 0..lanes) and an index that
/// puts the vector partly before or after its memory (only the active lanes are inside), on every vector width and
/// element type that has x86 masked moves, and on the lane-by-lane fallback (bool-free, but an f32 in v128 on a host
/// without AVX2 takes it too).</summary>
public class MaskedMoveTests
{
    private static readonly DataType[] Elements =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    [Fact]
    public void RangesOn128And256BitVectors()
    {
        foreach (var target in new[] { Target.GenericV128, Target.X86Avx2 })
            foreach (var t in Elements) Check(target, t);
    }

    [Avx512Fact]
    public void RangesOn512BitVectors()
    {
        foreach (var t in Elements) Check(Target.X86Avx512, t);
    }

    [Fact]
    public void ARangedStoreOutsideItsMemoryFailsTheCheckBeforeWriting()
    {
        var k = Kernel(Target.X86Avx2, DataType.Float32, "from %f count %n", "from %f count %n", 10);
        var x = Tensor<float>.FromArray(Enumerable.Range(1, 10).Select(i => (float)i).ToArray(), 10);
        // Lanes 2..5 of a vector at index -1 start at element 1: in bounds although the vector starts before.
        var outs = NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([-1, 2, 6], 3), x]);
        Assert.Equal([0f, 2, 3, 4, 5, 0, 0, 0, 0, 0], outs[1].As<float>().ToArray());
        // From 0 at index -1 touches element -1.
        var e = Assert.Throws<StrataException>(() => NativeHarness.Call(k, [Tensor<long>.FromArray([-1, 0, 6], 3), x]));
        Assert.Contains("load %x[-1]", e.Message);
        // Count 8 at index 4 runs past the 10 elements; an empty range (from 5, count 5) is never checked.
        Assert.Throws<StrataException>(() => NativeHarness.Call(k, [Tensor<long>.FromArray([4, 0, 8], 3), x]));
        NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([100, 5, 5], 3), x]);
    }

    /// <summary>%a = [index, from, count] (loaded, so nothing is constant-folded and every access is checked);
    /// %out gets the loaded vector whole, %out2 the ranged store of it at the same index.</summary>
    private static MachineKernel Kernel(Target target, DataType t, string loadLimits, string storeLimits, long length = 20)
    {
        int lanes = target.Lanes(t);
        string e = t.ShortName();
        string other = ScalarSemantics.IsFloat(t) ? "7.5" : "7";
        return MachineParser.Parse($$"""
            machine.kernel @ranged target({{target.Name}}) (%a: ptr<i64>[3], %x: ptr<{{e}}>[{{length}}], %out: ptr<{{e}}>[{{lanes}}] output, %out2: ptr<{{e}}>[{{length}}] output) programs(1) {
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %c2 = const 2 : i64
              %i = load %a[%c0] : i64
              %f = load %a[%c1] : i64
              %n = load %a[%c2] : i64
              %v = load %x[%i] {{loadLimits}} other {{other}} : v{{lanes}}{{e}}
              store %out[%c0], %v
              store %out2[%i], %v {{storeLimits}}
            }
            """);
    }

    private static void Check(Target target, DataType t)
    {
        int lanes = target.Lanes(t);
        const long length = 20;
        var x = Sketch.Data(t, [.. Enumerable.Range(0, (int)length).Select(i => (ulong)(i * 7919 + 13))]);
        foreach (var limits in new[] { "from %f count %n", "from %f", "count %n" })
        {
            var k = Kernel(target, t, limits, limits, length);
            Gen.Select(Gen.Long[-3, lanes + 3], Gen.Long[-3, lanes + 3], Gen.Long[0, 1 << 20]).Sample((from, count, pick) =>
            {
                if (!limits.Contains("from")) from = 0;
                if (!limits.Contains("count")) count = lanes;
                long first = Math.Clamp(from, 0, lanes), end = Math.Clamp(count, 0, lanes);
                // Any index whose active lanes [index + first, index + end) stay in [0, length).
                long lo = -first, hi = length - end;
                long index = end <= first ? pick % 20 - 10 : lo + pick % (hi - lo + 1);
                NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([index, from, count], 3), x]);
            }, iter: 40);
        }
    }
}
