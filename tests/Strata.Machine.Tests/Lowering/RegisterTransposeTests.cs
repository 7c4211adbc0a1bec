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
