using CsCheck;
using Strata.Tile;

namespace Strata.Block.Tests.Lowering;

/// <summary><see cref="Strata.Tile.Passes.MergeContiguousAxes"/> on plain reductions: a global average pool's
/// <c>sum[kh, kw] %x[0, c, kh, kw]</c> becomes one reduction axis of kh·kw over a [1, c, kh·kw] view, and computes the
/// same; axes read in another order, or through arithmetic, stay apart.</summary>
public class ReduceAxisMergeTests
{
    private static string Pool(int c, int h, int w, string taps) => $$"""
        tile.kernel @gap(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}}]) {
          temp %sum: f32[1,{{c}},1,1]
          domain n = 1, c = {{c}}, oh = 1, ow = 1
          reduce kh = {{h}}, kw = {{w}}
          domain i = 1
          %sum[n, c, oh, ow] = sum[kh, kw] %x[0, c, {{taps}}]
          %y[i, c] = div(%sum[0, c, 0, 0], {{h * w}}.0 : f32)
        }
        """;

    [Fact]
    public void AGlobalPoolsTwoReductionAxesMergeAndComputeTheSame() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 9], Gen.Int[1, 9], Gen.Int[0, 2]).Sample((c, h, w, form) =>
        {
            // form 0: [kh, kw] (contiguous); 1: [kw, kh] on a square plane (transposed); 2: [kh, min(kw, w - 1)]-like arithmetic.
            if (form == 1) w = h;
            string taps = form switch { 0 => "kh, kw", 1 => "kw, kh", _ => "kh, sub(add(kw, 1), 1)" };
            var kernel = LoweringCheck.Parse(Pool(c, h, w, taps));
            var merged = new Strata.Tile.Passes.MergeContiguousAxes().Run(kernel);
            bool expectMerge = form == 0 && h > 1 && w > 1;
            Assert.Equal(expectMerge, merged.Axes.Length == kernel.Axes.Length - 1);
            if (expectMerge) Assert.Equal([1L, c, h * w], merged.Inputs[0].Shape.AsEnumerable());
            var inputs = LoweringCheck.RandomInputs(kernel, c * 100 + h * 10 + w);
            var expected = TileInterpreter.Run(kernel, inputs);
            var s = KnobSpace.For(merged);
            var lowered = TileToBlock.Lower(merged, s.Default());
            var args = inputs.Select((t, i) => Strata.Tile.Execution.TileProgramExecutor.AsShaped(t, merged.Inputs[i].Shape)).ToArray();
            var actual = BlockInterpreter.Call(lowered, args, new BlockRunOptions(ProgramOrder.Shuffled, c));
            Assert.Null(LoweringCheck.Compare(expected[0], actual[0], 1e-5));
        }, iter: 40);
}
