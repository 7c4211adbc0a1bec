using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>One row times a matrix read along K, with a bias + relu epilogue (an FC layer at batch 1): the default
/// streams each weight row whole (K block = K where the budget allows) and sums it with several vector chains folded
/// into fmas; random K (chain groups, a vector rest, a scalar tail) and N on every target must give the Block
/// interpreter's results.</summary>
public class GemvTests
{
    private static TileKernel Fc(int k, int n) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @fc(%x: f32[1,{{k}}], %w: f32[{{n}},{{k}}], %b: f32[{{n}}]) -> (%y: f32[1,{{n}}]) {
          temp %acc: f32[1,{{n}}]
          domain m = 1, n = {{n}}
          reduce k = {{k}}
          %acc[m, n] = sum[k] mul(%x[m, k], %w[n, k])
          %y[m, n] = relu(add(%acc[m, n], %b[n]))
        }
        """));

    [Fact]
    public void RandomShapesOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int[1, 90], Gen.Int).Sample((k, n, seed) =>
        {
            var kernel = Fc(k, n);
            var config = KnobSpace.For(kernel).Default();
            Assert.Equal(k, config.GetInt(KnobNames.Block("k"), -1));
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
            var block = TileToBlock.Lower(kernel, config);
            foreach (var target in Target.Known) MachineLoweringCheck.Check(block, config, target, inputs, seed);
        }, iter: 40);
    }

    /// <summary>Wide layers (N up to 1100: blocks of 16 to 64, divisors of N or a masked tail block) against the Block
    /// interpreter on every target.</summary>
    [Fact]
    public void RandomWideLayersOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 80], Gen.Int[90, 1100], Gen.Int).Sample((k, n, seed) =>
        {
            MachineLoweringCheck.CheckDefaultOnEveryTarget(Fc(k, n), seed);
        }, iter: 12);
    }

    /// <summary>A classifier's 1000 outputs take a block that divides them (not 32 with a masked last block), so no
    /// weight load carries a lane count.</summary>
    [Fact]
    public void ClassifierOutputsTakeADividingBlock()
    {
        var kernel = Fc(2048, 1000);
        var config = KnobSpace.For(kernel).Default();
        long n = config.GetInt(KnobNames.Block("n"), -1);
        Assert.Equal(0, 1000 % n);
        Assert.InRange(n, 16, 64);
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 3));
        var loads = MachinePrinter.Print(machine).Split('\n').Where(l => l.Contains("load %w[", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(loads);
        Assert.All(loads, l => Assert.DoesNotContain(" count ", l, StringComparison.Ordinal));
    }

    /// <summary>Long rows are summed four rows at a time, one fma chain each, in one loop over K: four weight streams at
    /// once, the input vector loaded once per group. 62 full vectors: no rest.</summary>
    [Fact]
    public void LongRowsAreSummedFourRowsAtATime()
    {
        var kernel = Fc(1000, 48);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 5));
        var lines = MachinePrinter.Print(machine).Split('\n');
        int loop = Array.FindIndex(lines, l => l.Contains("loop %j", StringComparison.Ordinal) && l.Contains("step 16", StringComparison.Ordinal));
        Assert.True(loop >= 0, string.Join('\n', lines));
        var body = lines.Skip(loop + 1).TakeWhile(l => !l.TrimStart().StartsWith('}')).ToList();
        Assert.Equal(4, body.Count(l => l.Contains(" = fma ", StringComparison.Ordinal) && l.Contains("_vacc", StringComparison.Ordinal)));
        Assert.Equal(4, body.Count(l => l.Contains("load %w[", StringComparison.Ordinal)));
        Assert.Equal(4, lines.Count(l => l.Contains("reduce_lanes sum", StringComparison.Ordinal)));
    }

    [Fact]
    public void RowsTooLongForTheBudgetTakeTheLargestBlockThatFits()
    {
        var kernel = Fc(100_000, 8);
        var config = KnobSpace.For(kernel).Default();
        Assert.Equal(KnobSpace.DefaultBlockBudget, config.GetInt(KnobNames.Block("k"), -1));
        Assert.Equal(1, config.GetInt(KnobNames.Block("n"), -1));
    }
}
