using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A pointwise (1×1) conv whose output plane no block of whole vectors divides (squeezenet's 55×55): every
/// block's B (the input, [ci, plane]) is loaded under a mask of its columns only. The micro-kernel reads such a B in
/// place where its block fits half of L1 (<see cref="ValuePlan"/>'s IsColumnMaskedB): tiles whose columns are all
/// inside run unmasked, the others with each vector's count from the mask. Random planes (column tails), channel
/// counts (K and M tails), epilogues (none, bias + ReLU, bias + residual + ReLU), the default and random configs, on
/// every target, against the Block interpreter.</summary>
public class ColumnMaskedBTests
{
    private static TileKernel Pointwise(int co, int ci, int plane, int epilogue)
    {
        string residual = epilogue == 2 ? $", %r: f32[1,{co},{plane}]" : "";
        string output = epilogue switch
        {
            0 => "%acc[0, co, oh_ow]",
            1 => "relu(add(%acc[0, co, oh_ow], %b[co]))",
            _ => "relu(add(%r[0, co, oh_ow], add(%acc[0, co, oh_ow], %b[co])))",
        };
        return MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @pw(%x: f32[1,{{ci}},{{plane}}], %w: f32[{{co}},{{ci}},1,1], %b: f32[{{co}}]{{residual}}) -> (%out: f32[1,{{co}},{{plane}}]) {
              temp %acc: f32[1,{{co}},{{plane}}]
              domain n = 1, co = {{co}}, oh_ow = {{plane}}
              reduce ci = {{ci}}, kh = 1, kw = 1
              %acc[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[co, ci, 0, 0])
              %out[n, co, oh_ow] = {{output}}
            }
            """));
    }

    [Fact]
    public void RandomShapesAndConfigsOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 70], Gen.Int[65, 300], Gen.Int[0, 2], Gen.Int).Sample((co, ci, plane, epilogue, seed) =>
        {
            MachineLoweringCheck.CheckConfigsOnEveryTarget(Pointwise(co, ci, plane, epilogue), seed, randomConfigs: 1);
        }, iter: 25);
    }

    /// <summary>squeezenet's fire2 squeeze (64 → 16 channels) on a 55×55 plane, shrunk to 13 rows of 27 × 27 = 11 · 64 + 25
    /// columns: B is read in place (one buffer less than packed: the option off packs it per block), and the last
    /// block's tail tile gets the mask's counts.</summary>
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("generic-v128")]
    public void MaskedPlaneBlocksReadBInPlace(string target)
    {
        var kernel = Pointwise(13, 64, 729, 1);
        var config = KnobSpace.For(kernel).Default();
        Assert.NotEqual(0, 729 % config.GetInt(KnobNames.Block("oh_ow"), 1));
        var block = TileToBlock.Lower(kernel, config);
        var inputs = MachineLoweringCheck.RandomInputs(kernel, 5);
        var inPlace = MachineLoweringCheck.Check(block, config, Target.Get(target), inputs, 5);
        var packed = MachineLoweringCheck.Check(block, config, Target.Get(target), inputs, 5, new MachineLoweringOptions { ColumnMaskedBInPlace = false });
        Assert.Equal(packed.Buffers.Length - 1, inPlace.Buffers.Length);
        MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.Get(target), 6);
    }
}
