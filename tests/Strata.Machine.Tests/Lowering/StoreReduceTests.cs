using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Softmax's exp stored to a temp and summed per row: the store and the horizontal reduce that reads it back
/// are one loop (computed, stored, accumulated). Random rows and row lengths (chains, a vector rest, a scalar tail,
/// rows shorter than a vector) on every target must give the Block interpreter's results, the stored exp included
/// (the output reads it back).</summary>
public class StoreReduceTests
{
    private static TileKernel Softmax(int rows, int cols) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @softmax(%x: f32[{{rows}},{{cols}}]) -> (%y: f32[{{rows}},{{cols}}]) {
          temp %max: f32[{{rows}}]
          temp %exp: f32[{{rows}},{{cols}}]
          temp %sum: f32[{{rows}}]
          domain i = {{rows}}
          reduce k = {{cols}}
          domain j = {{cols}}
          %max[i] = max[k] %x[i, k]
          %exp[i, j] = exp(sub(%x[i, j], %max[i]))
          %sum[i] = sum[j] %exp[i, j]
          %y[i, j] = div(%exp[i, j], %sum[i])
        }
        """));

    [Fact]
    public void RandomShapesOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 150], Gen.Int).Sample((rows, cols, seed) =>
        {
            MachineLoweringCheck.CheckDefaultOnEveryTarget(Softmax(rows, cols), seed);
        }, iter: 30);
    }

    [Fact]
    public void TheExpIsStoredInsideTheSumLoop()
    {
        var kernel = Softmax(8, 128);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 3));
        var lines = MachinePrinter.Print(machine).Split('\n');
        // One exp, one store to %exp, and the store directly followed by the sum's accumulation.
        Assert.Single(lines, l => l.Contains(" = exp ", StringComparison.Ordinal));
        int store = Array.FindIndex(lines, l => l.TrimStart().StartsWith("store %exp[", StringComparison.Ordinal));
        Assert.True(store >= 0);
        Assert.Contains("_vacc = add ", lines[store + 1], StringComparison.Ordinal);
    }
}
