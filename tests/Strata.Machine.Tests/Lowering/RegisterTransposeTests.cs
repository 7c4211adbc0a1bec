using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A channels-as-columns conv's [positions, co] dot result goes into its local scratch ([co, positions]) by
/// lanes × lanes blocks transposed in registers (KernelLowerer.RegisterTranspose.cs, option RegisterTranspose), not
/// by one extracting store per element; random planes (positions and channels with tails, past one block of lanes
/// and below), 1×1 and 3×3, with and without a residual, default and random configs, every target: the Machine
/// interpreter gives the Tile interpreter's results.</summary>
public class RegisterTransposeTests
{
    private static TileKernel Conv(int ci, int co, int h, int w, int k, bool residual) => LocalScratchTests.Conv(ci, co, h, w, k, residual);

    private static string[] Lines(TileKernel kernel, Config config, MachineLoweringOptions? options = null) =>
        LocalScratchTests.Lines(kernel, config, options);

    [Fact]
    public void AChannelColumnsConvTransposesItsResultInRegisters()
    {
        // resnet50's res5 1×1 convs: 7×7, channels as columns, bias + residual + ReLU after the transposed result.
        var kernel = Conv(64, 64, 7, 7, 1, residual: true);
        var config = KnobSpace.For(kernel).Default();
        var on = Lines(kernel, config);
        Assert.Contains(on, l => l.Contains("= shuffle "));
        Assert.DoesNotContain(on, l => l.Contains("store %acc_local[") && l.Contains(" stride "));
        Assert.Contains(on, l => l.Contains("store %acc_local[") && l.Contains(" count %c7"));
        // Off, one strided (extracting) store per vector of channels.
        var off = Lines(kernel, config, new MachineLoweringOptions { RegisterTranspose = false });
        Assert.DoesNotContain(off, l => l.Contains("= shuffle "));
        Assert.Contains(off, l => l.Contains("store %acc_local[") && l.Contains(" stride 7"));
        foreach (var target in Target.Known) MachineLoweringCheck.CheckAgainstTile(kernel, config, target, 5);
    }

    /// <summary>A 3×3 conv over a pre-padded input (PrePadConvInput's form), bias + ReLU.</summary>
    private static TileKernel PaddedConv(int ci, int co, int h, int w) =>
        MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @conv(%x: f32[1,{{ci}},{{h + 2}},{{w + 2}}], %wt: f32[3,3,{{ci}},{{co}}], %b: f32[{{co}}]) -> (%out: f32[1,{{co}},{{h}},{{w}}]) {
              temp %acc: f32[1,{{co}},{{h}},{{w}}]
              domain n = 1, co = {{co}}, oh = {{h}}, ow = {{w}}
              reduce ci = {{ci}}, kh = 3, kw = 3
              %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[n, ci, add(oh, kh), add(ow, kw)], %wt[kh, kw, ci, co])
              %out[n, co, oh, ow] = relu(add(%acc[n, co, oh, ow], %b[co]))
            }
            """));

    [Fact]
    public void ARowStackedConvTransposesItsStackedResultAndStoresItsLastRowStrided()
    {
        // inception_v2's 3×3 convs on 7×7: a weight block over 256 KiB stacks the 7 rows of 7 positions into one
        // [49, co] dot; its result, seen as [7, 7, co], goes by 16 × 16 register blocks over the 49 positions (the
        // local scratch [co, 7, 7] is contiguous across oh and ow), the last position by strided stores.
        var kernel = PaddedConv(96, 224, 7, 7);
        var config = KnobSpace.For(kernel).Default();
        Assert.True(config["block.oh"] == "7", config.ToString());
        var on = Lines(kernel, config);
        Assert.Contains(on, l => l.Contains("= shuffle "));
        Assert.Contains(on, l => l.Contains("store %acc_local[") && l.Contains(" stride 49"));
        Assert.Contains(on, l => l.Contains("loop %tr = %c0 to %c48 step 16"));
        // Off: no shuffles, one scalar store per element.
        var off = Lines(kernel, config, new MachineLoweringOptions { RegisterTranspose = false });
        Assert.DoesNotContain(off, l => l.Contains("= shuffle "));
        // The vector targets (16, 8 and 4 lanes: last blocks of 1 row); the scalar one has no transpose.
        foreach (var target in Target.Known.Where(t => t.Lanes(DataType.Float32) > 1)) MachineLoweringCheck.CheckAgainstTile(kernel, config, target, 7);
    }

    [Fact]
    public void AnyChannelColumnsConvTransposedInRegistersComputesTheSameOnEveryTarget()
    {
        int transposed = 0;
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int ci = r.Next(2) == 0 ? 16 * r.Next(1, 3) : r.Next(1, 30), co = r.Next(2) == 0 ? 64 : r.Next(2, 70);
            int h = r.Next(1, 12), w = r.Next(1, 12), k = r.Next(2) == 0 ? 1 : 3;
            var kernel = Conv(ci, co, h, w, k, residual: r.Next(2) == 0);
            var space = KnobSpace.For(kernel);
            foreach (var config in new[] { space.Default(), space.Random(r) })
            {
                Assert.True(space.IsLegal(config, out var why), why);
                if (Lines(kernel, config).Any(l => l.Contains("= shuffle "))) transposed++;
                foreach (var target in Target.Known) MachineLoweringCheck.CheckAgainstTile(kernel, config, target, seed);
            }
        }, iter: 12);
        Assert.True(transposed > 0, "no sample took the register transpose");
    }
}
