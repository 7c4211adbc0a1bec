using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Block.Passes;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;
using Strata.Tile.Passes;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Softmax as the compiler sees it after the Tile and Block pipelines: the exp is a materialised value (the
/// sum and the output both read it), no store. Its buffer is written inside the sum's loop (computed, kept,
/// accumulated) instead of by a nest of its own that the sum reads back. Random row blocks and row lengths (a vector
/// rest, a scalar tail, rows shorter than a vector) on every target must give the Block interpreter's results.</summary>
public class MaterialisedReduceTests
{
    private static TileKernel Softmax(int heads, int rows, int cols) => TilePipeline.Default.Run(MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @softmax(%x: f32[{{heads}},{{rows}},{{cols}}]) -> (%y: f32[{{heads}},{{rows}},{{cols}}]) {
          temp %max: f32[{{heads}},{{rows}}]
          temp %exp: f32[{{heads}},{{rows}},{{cols}}]
          temp %sum: f32[{{heads}},{{rows}}]
          temp %rsum: f32[{{heads}},{{rows}}]
          domain h = {{heads}}, i = {{rows}}
          reduce k = {{cols}}
          domain j = {{cols}}
          %max[h, i] = maxnative[k] mul(%x[h, i, k], 4.0 : f32)
          %exp[h, i, j] = exp(sub(mul(%x[h, i, j], 4.0 : f32), %max[h, i]))
          %sum[h, i] = sum[j] %exp[h, i, j]
          %rsum[h, i] = div(1.0 : f32, %sum[h, i])
          %y[h, i, j] = mul(%exp[h, i, j], %rsum[h, i])
        }
        """)));

    private static BlockKernel Lower(TileKernel kernel, Config config) => BlockPipeline.Default.Run(TileToBlock.Lower(kernel, config));

    [Fact]
    public void RandomShapesOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 40], Gen.Int[1, 150], Gen.Int).Sample((heads, rows, cols, seed) =>
        {
            var kernel = Softmax(heads, rows, cols);
            var config = KnobSpace.For(kernel).Default();
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
            var block = Lower(kernel, config);
            foreach (var target in Target.Known) MachineLoweringCheck.Check(block, config, target, inputs, seed);
        }, iter: 30);
    }

    [Fact]
    public void TheExpIsKeptInsideTheSumLoop()
    {
        var kernel = Softmax(2, 16, 128);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 3));
        var lines = MachinePrinter.Print(machine).Split('\n');
        // One exp, one store of it to its buffer, directly followed by the sum's accumulation.
        Assert.Single(lines, l => l.Contains(" = expnonpos ", StringComparison.Ordinal));
        int store = Array.FindIndex(lines, l => l.TrimStart().StartsWith("store %expnonpos[", StringComparison.Ordinal));
        Assert.True(store >= 0, string.Join('\n', lines));
        Assert.Contains("_vacc = add ", lines[store + 1], StringComparison.Ordinal);
    }
}
