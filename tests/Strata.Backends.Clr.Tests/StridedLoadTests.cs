using CsCheck;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Vector loads of lane stride s (<c>load %x[%i] stride s from %f count %n</c>): the native result must be
/// bit-identical to the Machine interpreter's for strides 2 (deinterleaving permutes), 3 and 5 (gathers), random
/// from/count inside and outside 0..lanes and an index that puts the vector's span partly before or after its memory
/// (only the active lanes' elements inside: the last element of the memory is exactly the last lane's in some
/// samples, so a load that reads one element too far fails the check or faults), on every vector width and element
/// type (strides 3 and 5 on 128 bits copy lane by lane).</summary>
public class StridedLoadTests
{
    private static readonly DataType[] Elements =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    [Fact]
    public void StridedLoadsOn128And256BitVectors()
    {
        foreach (var target in new[] { Target.GenericV128, Target.X86Avx2 })
            foreach (var t in Elements) Check(target, t);
    }

    [Avx512Fact]
    public void StridedLoadsOn512BitVectors()
    {
        foreach (var t in Elements) Check(Target.X86Avx512, t);
    }

    /// <summary>A stride-2 range known only at run time that covers every lane (from ≤ 0, count ≥ lanes: a pool row
    /// block's full vectors) takes the unmasked two-load path: every lane, at the first index and where the last lane
    /// reads the memory's last element, on every width and element type.</summary>
    [Fact]
    public void FullStride2RangesAtRunTimeLoadEveryLane()
    {
        var targets = System.Runtime.Intrinsics.X86.Avx512F.IsSupported
            ? new[] { Target.GenericV128, Target.X86Avx2, Target.X86Avx512 } : [Target.GenericV128, Target.X86Avx2];
        foreach (var target in targets)
            foreach (var t in Elements)
            {
                int lanes = target.Lanes(t);
                long length = 2 * (lanes - 1) + 1 + 5;
                var x = Sketch.Data(t, [.. Enumerable.Range(0, (int)length).Select(i => (ulong)(i * 31 + 3) % 500)]);
                var k = Kernel(target, t, 2, "from %f count %n", length);
                foreach (long from in new long[] { -2, 0 })
                    foreach (long count in new long[] { lanes, lanes + 3 })
                        foreach (long index in new long[] { 0, 3, length - 1 - 2 * (lanes - 1) })
                            NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([index, from, count], 3), x]);
            }
    }

    [Fact]
    public void AStridedLoadPastItsMemoryFailsTheCheck()
    {
        // 8 lanes of stride 2 at index 5 read elements 5, 7, …, 19: in bounds of 20; at index 6 the last is 20.
        var k = Kernel(Target.X86Avx2, DataType.Float32, 2, "", 20);
        var x = Sketch.Data(DataType.Float32, [.. Enumerable.Range(0, 20).Select(i => (ulong)i)]);
        NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([5, 0, 8], 3), x]);
        var e = Assert.Throws<StrataException>(() => NativeHarness.Call(k, [Tensor<long>.FromArray([6, 0, 8], 3), x]));
        Assert.Contains("stride 2", e.Message);
        // Counted to 7 lanes, index 6 ends at element 18.
        var counted = Kernel(Target.X86Avx2, DataType.Float32, 2, "count %n", 20);
        NativeHarness.AssertMatchesInterpreter(counted, [Tensor<long>.FromArray([6, 0, 7], 3), x]);
        Assert.Throws<StrataException>(() => NativeHarness.Call(counted, [Tensor<long>.FromArray([6, 0, 8], 3), x]));
    }

    /// <summary>%a = [index, from, count] (loaded, so every access is checked); %out gets the loaded vector.</summary>
    private static MachineKernel Kernel(Target target, DataType t, long stride, string limits, long length)
    {
        int lanes = target.Lanes(t);
        string e = t.ShortName();
        string other = ScalarSemantics.IsFloat(t) ? "7.5" : "7";
        return MachineParser.Parse($$"""
            machine.kernel @strided target({{target.Name}}) (%a: ptr<i64>[3], %x: ptr<{{e}}>[{{length}}], %out: ptr<{{e}}>[{{lanes}}] output) programs(1) {
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %c2 = const 2 : i64
              %i = load %a[%c0] : i64
              %f = load %a[%c1] : i64
              %n = load %a[%c2] : i64
              %v = load %x[%i] stride {{stride}} {{limits}} other {{other}} : v{{lanes}}{{e}}
              store %out[%c0], %v
            }
            """);
    }

    private static void Check(Target target, DataType t)
    {
        int lanes = target.Lanes(t);
        foreach (long stride in new long[] { 2, 3, 5 })
        {
            long length = (lanes - 1) * stride + 1 + 9;
            var x = Sketch.Data(t, [.. Enumerable.Range(0, (int)length).Select(i => (ulong)(i * 7919 + 13) % 1000)]);
            foreach (var limits in new[] { "", "from %f count %n", "from %f", "count %n" })
            {
                var k = Kernel(target, t, stride, limits, length);
                Gen.Select(Gen.Long[-3, lanes + 3], Gen.Long[-3, lanes + 3], Gen.Long[0, 1 << 20]).Sample((from, count, pick) =>
                {
                    if (!limits.Contains("from")) from = 0;
                    if (!limits.Contains("count")) count = lanes;
                    long first = Math.Clamp(from, 0, lanes), end = Math.Clamp(count, 0, lanes);
                    // Any index whose active lanes' elements index + l·s (first ≤ l < end) stay in [0, length);
                    // every fourth sample puts the last active lane on the memory's last element.
                    long lo = -first * stride, hi = length - 1 - (end - 1) * stride;
                    long index = end <= first ? pick % 20 - 10 : pick % 4 == 0 ? hi : lo + pick % (hi - lo + 1);
                    NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([index, from, count], 3), x]);
                }, iter: 30);
            }
        }
    }
}
