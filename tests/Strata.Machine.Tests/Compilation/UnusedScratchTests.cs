using Strata.Block;
using Strata.Core;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Machine.Tests.Lowering;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Compilation;

/// <summary>Machine compilation's last step drops the scratch parameters no statement accesses, and only those.</summary>
public class UnusedScratchTests
{
    [Fact]
    public void DropsOnlyScratchThatNoStatementAccesses()
    {
        var kernel = MachineParser.Parse("""
            machine.kernel @k target(scalar) (%x: ptr<f32>[4], %unread: ptr<f32>[4], %o: ptr<f32>[1] output, %acc: ptr<f32>[4] scratch, %inloop: ptr<f32>[4] scratch, %inif: ptr<f32>[4] scratch, %pre: ptr<f32>[4] scratch)
                programs(1) {
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %t = const true : bool
              prefetch %pre[%c0]
              loop %i = %c0 to %c4 step 1 {
                %v = load %x[%i] : f32
                store %inloop[%i], %v
              }
              if %t {
              } else {
                %w = load %inif[%c0] : f32
                store %o[%c0], %w
              }
            }
            """);
        var dropped = UnusedScratch.Drop(kernel);
        Assert.Equal(["x", "unread", "o", "inloop", "inif", "pre"], dropped.Params.Select(p => p.Name));
        Assert.Equal(kernel.Body, dropped.Body);
        Assert.Same(dropped, UnusedScratch.Drop(dropped));
    }

    /// <summary>A dot with its epilogue in registers no longer names its Block-level accumulator; without it the kernel
    /// computes what the Block interpreter computes.</summary>
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("scalar")]
    public void AFusedDotLosesItsAccumulatorAndKeepsItsResult(string target)
    {
        var kernel = MachineLoweringCheck.Parse("""
            tile.kernel @lin(%x: f32[12,600], %w: f32[600,48], %b: f32[48]) -> (%y: f32[12,48]) {
              temp %acc: f32[12,48]
              domain m = 12, n = 48
              reduce k = 600
              %acc[m, n] = sum[k] mul(%x[m, k], %w[k, n])
              %y[m, n] = relu(add(%acc[m, n], %b[n]))
            }
            """);
        var config = KnobSpace.For(kernel).Default();
        var inputs = MachineLoweringCheck.RandomInputs(kernel, 3);
        var block = TileToBlock.Lower(kernel, config);
        var full = MachineLoweringCheck.Check(block, config, Target.Get(target), inputs);
        Assert.Contains(full.Params, p => p.Role == ParamRole.Scratch);
        var dropped = UnusedScratch.Drop(full);
        Assert.DoesNotContain(dropped.Params, p => p.Role == ParamRole.Scratch);
        var expected = BlockInterpreter.Call(block, inputs).Single();
        var actual = MachineInterpreter.Call(dropped, inputs).Single();
        Assert.Null(MachineLoweringCheck.Compare(expected, actual));
    }
}
