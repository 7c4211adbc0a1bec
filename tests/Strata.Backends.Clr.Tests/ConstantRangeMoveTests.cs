using Strata.Core;
using Strata.Machine;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Lane-limited vector loads and stores whose from and count are constant registers (a padded window's edge
/// vectors, a block's constant tail): the backend folds the range into a constant mask, a plain move or nothing
/// (KernelEmitter.ConstantLanes). The native result must be bit-identical to the Machine interpreter's for every
/// from/count around 0..lanes, on each element type in 512-, 256- and 128-bit vectors, with an index that puts the vector partly outside its
/// memory where only inactive lanes are.</summary>
public class ConstantRangeMoveTests
{
    private static readonly DataType[] Elements =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    [Avx512Fact]
    public void ConstantRangesOn512BitVectors() => CheckAll(Target.X86Avx512);

    /// <summary>Folded into AVX-512VL masked moves where the host has them (else MaskedLanes' helpers).</summary>
    [Fact]
    public void ConstantRangesOn256And128BitVectors()
    {
        CheckAll(Target.X86Avx2);
        CheckAll(Target.GenericV128);
    }

    private static void CheckAll(Target target)
    {
        foreach (var t in Elements)
        {
            int lanes = target.Lanes(t);
            long[] limits = [.. new long[] { -1, 0, 1, 3, lanes - 1, lanes, lanes + 2 }.Distinct()];
            foreach (var from in limits)
                foreach (var count in limits)
                {
                    Check(target, t, lanes, $"from %f count %n", from, count);
                    if (from == 0) Check(target, t, lanes, "count %n", 0, count);
                    if (count == lanes) Check(target, t, lanes, "from %f", from, lanes);
                }
        }
    }

    private static void Check(Target target, DataType t, int lanes, string range, long from, long count)
    {
        const long length = 40;
        var k = Kernel(target, t, lanes, range, from, count, length);
        var x = Sketch.Data(t, [.. Enumerable.Range(0, (int)length).Select(i => (ulong)(i * 7919 + 13))]);
        long first = Math.Clamp(from, 0, lanes), end = Math.Clamp(count, 0, lanes);
        // In the middle, and as far left / right as the active lanes allow.
        long[] indices = end <= first ? [5] : [5, -first, length - end];
        foreach (var index in indices)
            NativeHarness.AssertMatchesInterpreter(k, [Tensor<long>.FromArray([index], 1), x]);
    }

    /// <summary>%out gets the loaded vector whole, %out2 the ranged store of it at the same index (the rest of %out2
    /// stays as the harness fills it).</summary>
    private static MachineKernel Kernel(Target target, DataType t, int lanes, string range, long from, long count, long length)
    {
        string e = t.ShortName();
        string other = ScalarSemantics.IsFloat(t) ? "7.5" : "7";
        return MachineParser.Parse($$"""
            machine.kernel @constant_range target({{target.Name}}) (%a: ptr<i64>[1], %x: ptr<{{e}}>[{{length}}], %out: ptr<{{e}}>[{{lanes}}] output, %out2: ptr<{{e}}>[{{length}}] output) programs(1) {
              %c0 = const 0 : i64
              %f = const {{from}} : i64
              %n = const {{count}} : i64
              %i = load %a[%c0] : i64
              %v = load %x[%i] {{range}} other {{other}} : v{{lanes}}{{e}}
              store %out[%c0], %v
              store %out2[%i], %v {{range}}
            }
            """);
    }
}
