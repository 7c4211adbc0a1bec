using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>An im2col 3×3 conv (taps merged into K = ci·9, reading a pre-padded input) whose output row is no multiple
/// of the lanes: on an avx512 target with double-pumped FMAs its kernel lowers with 256-bit vectors where they waste
/// fewer lanes (NarrowVectors), on a full-width one it does not, and either gives the Tile interpreter's results.</summary>
public class NarrowVectorsTests
{
    private static TileKernel Conv(int ci, int co, int oh, int ow) =>
        MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @conv(%x: f32[1,{{ci}},{{oh + 2}},{{ow + 2}}], %w: f32[{{co}},{{ci * 9}}], %b: f32[{{co}}]) -> (%out: f32[1,{{co}},{{oh}},{{ow}}]) {
              temp %acc: f32[1,{{co}},{{oh}},{{ow}}]
              domain n = 1, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce k = {{ci * 9}}
              domain i = 1
              %acc[n, co, oh, ow] = sum[k] mul(%x[0, floordiv(k, 9), add(oh, mod(floordiv(k, 3), 3)), add(ow, mod(k, 3))], %w[co, k])
              %out[i, co, oh, ow] = relu(add(%acc[0, co, oh, ow], %b[co]))
            }
            """));

    private static readonly Target Pumped = Target.X86Avx512.WithDoublePumped();

    private static Target Lowered(TileKernel kernel, MachineLoweringOptions? options = null, Target? target = null)
    {
        var config = KnobSpace.For(kernel).Default();
        return BlockToMachine.Lower(TileToBlock.Lower(kernel, config), config, target ?? Pumped, options).Target;
    }

    /// <summary>With double-pumped FMAs, 55-wide rows (3 vectors of 16 and 7 lanes, or 7 of 8) and 24-wide ones (2 of 16
    /// or 3 of 8) narrow; 48-wide ones (whole vectors) and 29-wide ones (2 of 16 or 4 of 8: as many 256-bit halves) do
    /// not; the option turns it off.</summary>
    [Fact]
    public void ShortRowsNarrowTheirVectors()
    {
        Assert.Equal("x86-64-avx512-dp-v256", Lowered(Conv(16, 24, 2, 55)).Name);
        Assert.Equal(256, Lowered(Conv(16, 24, 2, 55)).VectorBits);
        Assert.Equal(512, Lowered(Conv(16, 24, 2, 48)).VectorBits);
        Assert.Equal(256, Lowered(Conv(16, 24, 2, 24)).VectorBits);
        Assert.Equal(512, Lowered(Conv(16, 24, 2, 29)).VectorBits);
        Assert.Equal(512, Lowered(Conv(16, 24, 2, 55), MachineLoweringOptions.Default with { NarrowShortRows = false }).VectorBits);
    }

    /// <summary>Where 512-bit FMAs run at full width, 7 vectors of 8 cost more than 4 of 16: nothing narrows.</summary>
    [Fact]
    public void FullWidthFmasKeepWideVectors()
    {
        Assert.Equal(Target.X86Avx512, Lowered(Conv(16, 24, 2, 55), target: Target.X86Avx512));
        Assert.Equal(Target.X86Avx512, Lowered(Conv(16, 24, 2, 24), target: Target.X86Avx512));
        Assert.Equal(Target.X86Avx2.WithDoublePumped(), Lowered(Conv(16, 24, 2, 55), target: Target.X86Avx2.WithDoublePumped()));
    }

    [Fact]
    public void ANarrowedTargetNameParsesBack() =>
        Assert.Equal(Pumped.WithVectorBits(256), Target.Get("x86-64-avx512-dp-v256"));

    /// <summary>Random channels and rows (1..60 wide: whole vectors, short tails, rows under one vector): the default
    /// config on every target and on the double-pumped avx512 (the Machine text round-trips through its target name)
    /// against the Tile interpreter.</summary>
    [Fact]
    public void RandomShortRowConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 20], Gen.Int[1, 3], Gen.Int[1, 60], Gen.Int[0, 1000])
            .Sample((ci, co, oh, ow, seed) =>
            {
                var kernel = Conv(ci, co, oh, ow);
                MachineLoweringCheck.CheckDefaultOnEveryTarget(kernel, seed);
                var config = KnobSpace.For(kernel).Default();
                MachineLoweringCheck.CheckAgainstTile(kernel, config, Pumped, seed);
            }, iter: 12);
}
