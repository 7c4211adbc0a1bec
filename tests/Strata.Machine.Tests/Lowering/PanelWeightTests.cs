using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A dot whose B is laid out in panels of P columns contiguous over K (<c>%w[n / P, k, n % P]</c>, what
/// <see cref="Tile.Passes.PanelContractionWeights"/> makes of a constant B): read in place as vectors where a vector
/// (a whole micro-tile, for its base-and-displacement addressing) provably lies in one panel — the block start a
/// known multiple of it — and packed otherwise. Random shapes (N not a multiple of P, K tails), random legal
/// configs and the default, on every target, against the Block interpreter.</summary>
public class PanelWeightTests
{
    private static TileKernel Matmul(int m, int k, int n, int p) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @mm(%x: f32[{{m}},{{k}}], %w: f32[{{(n + p - 1) / p}},{{k}},{{p}}]) -> (%out: f32[{{m}},{{n}}]) {
          domain m = {{m}}, n = {{n}}
          reduce k = {{k}}
          %out[m, n] = sum[k] mul(%x[m, k], %w[floordiv(n, {{p}}), k, mod(n, {{p}})])
        }
        """));

    [Fact]
    public void RandomShapesAndConfigsOnEveryTarget()
    {
        // Panel widths of whole vectors that are no power of two too (a conv's panels as wide as its N block: 48, 80, 112).
        Gen.Select(Gen.Int[1, 30], Gen.Int[1, 40], Gen.Int[1, 200], Gen.Int[0, 6].Select(i => new[] { 8, 16, 32, 48, 64, 80, 112 }[i]), Gen.Int).Sample((m, k, n, p, seed) =>
        {
            MachineLoweringCheck.CheckConfigsOnEveryTarget(Matmul(m, k, n, p), seed, randomConfigs: 2);
        }, iter: 40);
    }

    /// <summary>Blocks of whole panels: the micro-kernel reads B in place on every target (no buffer but the
    /// accumulator), with one base per tile and its vectors at constant displacements.</summary>
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("generic-v128")]
    [InlineData("scalar")]
    public void WholePanelBlocksAreReadInPlace(string target)
    {
        var kernel = Matmul(12, 32, 192, 64);
        var config = KnobSpace.For(kernel).Default();
        Assert.Equal(0, config.GetInt(KnobNames.Block("n"), 0) % 64);
        var machine = MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.Get(target), 3);
        Assert.Single(machine.Buffers);
    }

    /// <summary>A batched classifier's MatMul (8×2048·2048×1000, shrunk): no block of whole panels divides N = 300, so
    /// every block's B is loaded under a mask of its columns, and its [256, 64] block is over the 16 KiB up to which a
    /// column-masked B is read in place. In panels it is read in place all the same (ValuePlan.ReadsPanels): packed, its
    /// copy went element by element. No packed copy of B's block (the option off packs it), and the result matches.</summary>
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("generic-v128")]
    public void ColumnMaskedPanelsOfAnySizeAreReadInPlace(string target)
    {
        var kernel = Matmul(8, 512, 300, 64);
        var config = KnobSpace.For(kernel).Default();
        long kb = config.GetInt(KnobNames.Block("k"), 0), nb = config.GetInt(KnobNames.Block("n"), 0);
        Assert.NotEqual(0, 300 % nb);
        Assert.True(kb * nb * 4 > 16 * 1024, $"a [{kb}, {nb}] block of B fits the small in-place bound");
        var block = TileToBlock.Lower(kernel, config);
        var inputs = MachineLoweringCheck.RandomInputs(kernel, 5);
        var inPlace = MachineLoweringCheck.Check(block, config, Target.Get(target), inputs, 5);
        var packed = MachineLoweringCheck.Check(block, config, Target.Get(target), inputs, 5, new MachineLoweringOptions { ColumnMaskedBInPlace = false });
        Assert.Contains(packed.Buffers, b => b.Length == kb * nb);
        Assert.DoesNotContain(inPlace.Buffers, b => b.Length == kb * nb);
        MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.Get(target), 6);
    }

    /// <summary>A 3×3 conv taking its channels as columns, its [kh, kw, ci, co] weight in panels as wide as the N block
    /// (co = 160 in panels of 80, KnobSpace.ChannelColumnsPanelWidth): no tile width divides the panel, but the default
    /// block (80) lies in one, its start a multiple of 80, so every tile does — the 3 + 2 vector tiles included. B is
    /// read in place (no packed copy), and its loads are proven in bounds: the column's floordiv/mod by
    /// 80 split off the block start, so the remainder is the tile's column, not anything in [0, 80).</summary>
    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("generic-v128")]
    public void BlockWidePanelsAreReadInPlaceAndProvenInBounds(string target)
    {
        var kernel = MachineLoweringCheck.Parse("""
            tile.kernel @conv(%x: f32[1,24,9,9], %w: f32[2,3,3,24,80]) -> (%out: f32[1,160,7,7]) {
              domain n = 1, co = 160, oh = 7, ow = 7
              reduce ci = 24, kh = 3, kw = 3
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[n, ci, add(oh, kh), add(ow, kw)], %w[floordiv(co, 80), kh, kw, ci, mod(co, 80)])
            }
            """);
        var config = KnobSpace.For(kernel).Default();
        Assert.Equal(80, config.GetInt(KnobNames.Block("co"), 0));
        var machine = MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.Get(target), 5);
        // No packed copy of B's [ci, 80] block (the accumulator's [rows · 7, 80] is no such length).
        Assert.DoesNotContain(machine.Buffers, b => b.Length == 24 * 80);
        var report = Strata.Machine.Verification.BoundsAnalysis.Analyze(machine);
        Assert.DoesNotContain(report.Unproven, u => u.Access is LoadStmt { Memory: "w" });
    }

    /// <summary>The same with panels of 112 (co = 224: inception_v2's 3×3 convs on 7×7): a 4-vector tile and a 3-vector
    /// one per block, and the column loop runs once, so the running remainder of the column by 112 (CountDivisions,
    /// in the default Machine passes) is 0 in it, not anything in [0, 112) — with that slack the unrolled k loop's
    /// last step (the last row of the last tap) was unproven and checked at run time. (On avx2 the column loop runs 7
    /// times, 16 columns a tile: the remainder is again anything in [0, 112) there, and those loads stay checked.)</summary>
    [Fact]
    public void PanelsOf112AreProvenInBoundsOnAvx512()
    {
        const string target = "x86-64-avx512";
        var kernel = MachineLoweringCheck.Parse("""
            tile.kernel @conv(%x: f32[1,32,9,9], %w: f32[2,3,3,32,112]) -> (%out: f32[1,224,7,7]) {
              domain n = 1, co = 224, oh = 7, ow = 7
              reduce ci = 32, kh = 3, kw = 3
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[n, ci, add(oh, kh), add(ow, kw)], %w[floordiv(co, 112), kh, kw, ci, mod(co, 112)])
            }
            """);
        var config = KnobSpace.For(kernel).Default();
        Assert.Equal(112, config.GetInt(KnobNames.Block("co"), 0));
        var machine = Strata.Machine.Passes.MachinePipeline.Default.Run(MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.Get(target), 5));
        var report = Strata.Machine.Verification.BoundsAnalysis.Analyze(machine);
        var unproven = report.Unproven.Where(u => u.Access is LoadStmt { Memory: "w" }).Select(u => u.Reason).ToList();
        Assert.True(unproven.Count == 0, string.Join("\n", unproven));
    }

    /// <summary>A block start that is no multiple of the vector (block.n = 8 under 16 lanes) proves nothing: B is
    /// packed (one buffer more), and still right.</summary>
    [Fact]
    public void UnalignedBlocksPackB()
    {
        var kernel = Matmul(12, 32, 192, 64);
        var config = KnobSpace.For(kernel).Default().With(KnobNames.Block("n"), "8");
        Assert.True(KnobSpace.For(kernel).IsLegal(config, out var why), why);
        var machine = MachineLoweringCheck.CheckAgainstTile(kernel, config, Target.X86Avx512, 4);
        Assert.Equal(2, machine.Buffers.Length);
    }
}
