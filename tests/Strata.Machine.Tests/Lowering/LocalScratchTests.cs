using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A channels-as-columns conv on a small plane stores its [positions, co] result transposed into the scratch
/// temp and its epilogue (bias, residual, ReLU) reads it back in [co, positions] order: the round trip stays inside the
/// program's block, so it goes through a program-local buffer, not the whole-tensor scratch
/// (KernelLowerer.LocalScratch.cs). Random small planes (1×1 and 3×3, channel tails, with and without a residual), the
/// default and a random config, every target: the Machine interpreter (programs in shuffled order) gives the Tile
/// interpreter's results.</summary>
public class LocalScratchTests
{
    /// <summary>A padded ("same") k×k conv, bias (+ residual) + ReLU, one image: the small-plane channels-as-columns
    /// convs these tests and RegisterTransposeTests lower.</summary>
    internal static TileKernel Conv(int ci, int co, int h, int w, int k, bool residual)
    {
        int p = k / 2;
        string row = "add(oh, kh)", col = "add(ow, kw)";
        string cond = $"and(and(ge({row}, {p}), lt({row}, {h + p})), and(ge({col}, {p}), lt({col}, {w + p})))";
        string res = residual ? $", %r: f32[1,{co},{h},{w}]" : "";
        string tail = residual ? "relu(add(add(%acc[n, co, oh, ow], %b[co]), %r[n, co, oh, ow]))" : "relu(add(%acc[n, co, oh, ow], %b[co]))";
        return MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @conv(%x: f32[1,{{ci}},{{h}},{{w}}], %wt: f32[{{k}},{{k}},{{ci}},{{co}}], %b: f32[{{co}}]{{res}}) -> (%out: f32[1,{{co}},{{h}},{{w}}]) {
              temp %acc: f32[1,{{co}},{{h}},{{w}}]
              domain n = 1, co = {{co}}, oh = {{h}}, ow = {{w}}
              reduce ci = {{ci}}, kh = {{k}}, kw = {{k}}
              %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{cond}}, %x[n, ci, sub({{row}}, {{p}}), sub({{col}}, {{p}})], 0.0 : f32), %wt[kh, kw, ci, co])
              %out[n, co, oh, ow] = {{tail}}
            }
            """));
    }

    internal static string[] Lines(TileKernel kernel, Config config, MachineLoweringOptions? options = null) =>
        MachinePrinter.Print(BlockToMachine.Lower(TileToBlock.Lower(kernel, config), config, Target.Get("x86-64-avx512"), options)).Split('\n');

    [Fact]
    public void AChannelColumnsConvWithAResidualKeepsItsTransposedResultInALocalBuffer()
    {
        // resnet50's res5 1×1 convs: 7×7, channels as columns, bias + residual + ReLU after the transposed result.
        var kernel = Conv(64, 64, 7, 7, 1, residual: true);
        var space = KnobSpace.For(kernel);
        var config = space.Default();
        Assert.True(DotShape.DefaultRoles(kernel.Computations[0], a => kernel.Axis(a).Extent)!.Transposed);
        var lines = Lines(kernel, config);
        Assert.Contains(lines, l => l.Contains("buffer %acc_local"));
        Assert.DoesNotContain(lines, l => l.Contains("store %acc["));
        Assert.DoesNotContain(lines, l => l.Contains("load %acc["));
        Assert.Contains(lines, l => l.Contains("store %acc_local["));
        // Off, the round trip goes through the scratch parameter.
        Assert.Contains(Lines(kernel, config, new MachineLoweringOptions { LocalScratch = false }), l => l.Contains("store %acc["));
        foreach (var target in Target.Known) MachineLoweringCheck.CheckAgainstTile(kernel, config, target, 5);
    }

    [Fact]
    public void AnySmallPlaneConvThroughALocalScratchComputesTheSameOnEveryTarget()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int ci = r.Next(2) == 0 ? 16 * r.Next(1, 4) : r.Next(1, 40), co = r.Next(2) == 0 ? 64 : r.Next(2, 80);
            int h = r.Next(1, 15), w = r.Next(1, 15), k = r.Next(2) == 0 ? 1 : 3;
            var kernel = Conv(ci, co, h, w, k, residual: r.Next(2) == 0);
            var space = KnobSpace.For(kernel);
            foreach (var config in new[] { space.Default(), space.Random(r) })
            {
                Assert.True(space.IsLegal(config, out var why), why);
                foreach (var target in Target.Known) MachineLoweringCheck.CheckAgainstTile(kernel, config, target, seed);
            }
        }, iter: 12);
    }
}
