using System.Globalization;
using CsCheck;
using Strata.Block.Passes;
using Strata.Block.Verification;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Block.Tests.Passes;

/// <summary>A LRN over a ReLU (the window sums stored to %sumsq by one loop, read back by the next) under random sizes,
/// windows and legal configs: the default passes store exactly what the lowered kernel stores (Block interpreter, bit for
/// bit), and where the channel blocks run as loops the scratch is gone.</summary>
public sealed class FuseScratchLoopsTests
{
    private static TileKernel Lrn(int c, int h, int w, int size) => TileParser.ParseKernel(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @lrn(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}},{{h}},{{w}}]) {
          temp %sumsq: f32[1,{{c}},{{h}},{{w}}]
          domain n = 1, c = {{c}}, h = {{h}}, w = {{w}}
          reduce j = {{size}}
          %sumsq[n, c, h, w] = sum[j] select(and(ge(add(c, j), {{size / 2}}), lt(add(c, j), {{c + size / 2}})), mul(relu(%x[0, sub(add(c, j), {{size / 2}}), h, w]), relu(%x[0, sub(add(c, j), {{size / 2}}), h, w])), 0.0 : f32)
          %y[n, c, h, w] = div(relu(%x[0, c, h, w]), sqrt(add(2.0 : f32, mul(0.0001 : f32, %sumsq[0, c, h, w]))))
        }
        """));

    [Fact]
    public void RandomLrnKernelsKeepTheirResults_AndLoseTheirScratchWhenFused()
    {
        int fused = 0;
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 5], Gen.Int[1, 20], Gen.Int[0, 2], Gen.Int).Sample((c, h, w, s, seed) =>
        {
            var kernel = Lrn(c, h, w, 2 * s + 1);
            var space = KnobSpace.For(kernel);
            foreach (var config in new[] { space.Default(), space.Random(new Random(seed)) })
            {
                var lowered = TileToBlock.Lower(kernel, config);
                var after = BlockPipeline.Default.Run(lowered);
                BlockVerifier.Verify(after);
                PassSemantics.AssertSameResults(lowered, after, seed);
                var withoutFusion = BlockPipeline.Default.Without("FuseScratchLoops").Run(lowered);
                if (Stores(after.Body, "sumsq") < Stores(withoutFusion.Body, "sumsq")) fused++;
            }
        }, iter: 60);
        Assert.True(fused > 0, "no sample fused its loops: the test no longer covers the pass");
    }

    [Fact]
    public void ZfnetsConvReluLrnKernel_FusesTheLrnLoops_KeepsTheConvAccumulator()
    {
        // The Conv+ReLU+LRN kernel's shape: the window loop reads %acc at shifted channels, so it is not fused with the
        // conv's loop; the normalising loop reads %sumsq where the window loop stored it, so those two fuse.
        var kernel = TileParser.ParseKernel("""
            tile.kernel @k(%x: f32[1,3,20,20], %w: f32[3,7,24,7], %b: f32[24]) -> (%y: f32[1,24,7,7]) {
              temp %acc: f32[1,24,7,7]
              temp %sumsq: f32[1,24,7,7]
              domain n = 1, co = 24, oh = 7, ow = 7
              reduce ci = 3, kh = 7, kw = 7
              domain n0 = 1
              reduce j = 5
              %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(mul(oh, 2), kh), add(mul(ow, 2), kw)], %w[ci, kw, co, kh])
              %sumsq[n0, co, oh, ow] = sum[j] select(and(ge(add(co, j), 2), lt(add(co, j), 26)), mul(relu(add(%acc[0, sub(add(co, j), 2), oh, ow], %b[sub(add(co, j), 2)])), relu(add(%acc[0, sub(add(co, j), 2), oh, ow], %b[sub(add(co, j), 2)]))), 0.0 : f32)
              %y[n0, co, oh, ow] = div(relu(add(%acc[0, co, oh, ow], %b[co])), sqrt(add(2.0 : f32, mul(0.0001 : f32, %sumsq[0, co, oh, ow]))))
            }
            """);
        var space = KnobSpace.For(kernel);
        var config = space.Default().With("block.co", 8);
        var lowered = TileToBlock.Lower(kernel, config);
        var after = BlockPipeline.Default.Run(lowered);
        BlockVerifier.Verify(after);
        PassSemantics.AssertSameResults(lowered, after, 3);
        Assert.Equal(0, Stores(after.Body, "sumsq"));
        Assert.Equal(1, Stores(after.Body, "acc"));
    }

    private static int Stores(IEnumerable<BlockOp> ops, string param) =>
        ops.Sum(o => o switch { StoreOp s when s.Param == param => 1, ForOp f => Stores(f.Body, param), _ => 0 });
}
