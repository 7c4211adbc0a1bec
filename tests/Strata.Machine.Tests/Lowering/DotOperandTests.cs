using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Dot operands read in place (unmasked loads with <c>pack</c> at none) or packed, under random shapes with
/// M, N and K tails, B read along either dim (transposed B has no lane-wise in-place form and is packed after all),
/// random legal configs and the default, on every target: the Machine interpreter must give the Block interpreter's
/// results.</summary>
public class DotOperandTests
{
    private static TileKernel Matmul(int m, int k, int n, bool transposedB) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @mm(%x: f32[{{m}},{{k}}], %w: f32[{{(transposedB ? n : k)}},{{(transposedB ? k : n)}}]) -> (%out: f32[{{m}},{{n}}]) {
          domain m = {{m}}, n = {{n}}
          reduce k = {{k}}
          %out[m, n] = sum[k] mul(%x[m, k], %w[{{(transposedB ? "n, k" : "k, n")}}])
        }
        """));

    [Fact]
    public void RandomShapesConfigsAndPackingOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[1, 70], Gen.Bool, Gen.Int).Sample((m, k, n, transposedB, seed) =>
        {
            MachineLoweringCheck.CheckConfigsOnEveryTarget(Matmul(m, k, n, transposedB), seed, randomConfigs: 2);
        }, iter: 60);
    }

    [Theory]
    [InlineData("x86-64-avx512")]
    [InlineData("x86-64-avx2")]
    [InlineData("scalar")]
    public void UnmaskedOperandsAreReadInPlaceUnlessPacked(string target)
    {
        var kernel = Matmul(12, 32, 48, transposedB: false);
        var t = Target.Get(target);
        var inputs = MachineLoweringCheck.RandomInputs(kernel, 7);
        var inPlace = KnobSpace.For(kernel).Default();
        var packed = inPlace.With(KnobNames.Pack("x"), KnobNames.Panels).With(KnobNames.Pack("w"), KnobNames.Panels);
        var a = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, inPlace), inPlace, t, inputs);
        var b = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, packed), packed, t, inputs);
        // Packed: both operands get a buffer; in place: neither does.
        Assert.Equal(b.Buffers.Length - 2, a.Buffers.Length);
    }

    /// <summary>B read with a lane stride (a stride-2 1×1 conv's input, <c>%w[k, 2n]</c>) is packed by a strided copy,
    /// not read in place with a strided load per micro-tile.</summary>
    [Fact]
    public void StridedBIsPackedByAStridedCopy()
    {
        var kernel = MachineLoweringCheck.Parse("""
            tile.kernel @mm(%x: f32[12,32], %w: f32[32,96]) -> (%out: f32[12,48]) {
              domain m = 12, n = 48
              reduce k = 32
              %out[m, n] = sum[k] mul(%x[m, k], %w[k, mul(n, 2)])
            }
            """);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 5));
        var straight = Matmul(12, 32, 48, transposedB: false);
        var plain = MachineLoweringCheck.Check(TileToBlock.Lower(straight, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(straight, 5));
        Assert.Equal(plain.Buffers.Length + 1, machine.Buffers.Length);
        var text = Strata.Machine.Text.MachinePrinter.Print(machine);
        Assert.Equal(1, text.Split(" stride 2").Length - 1);
    }

    /// <summary>A packed B is laid out in panels of the micro-tile's width (avx512: 64 floats, avx2: 16, scalar: 4):
    /// widths below, at and across one and several panels, with a partial last panel, with and without transposition.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(130)]
    public void PackedBPanelsCoverEveryColumn(int n)
    {
        foreach (bool transposedB in new[] { false, true })
        {
            var kernel = Matmul(13, 37, n, transposedB);
            var inputs = MachineLoweringCheck.RandomInputs(kernel, n);
            var config = KnobSpace.For(kernel).Default().With(KnobNames.Pack("w"), KnobNames.Panels);
            foreach (var target in Target.Known) MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, target, inputs, n);
        }
    }

    [Fact]
    public void TransposedBIsPackedAfterAll()
    {
        var kernel = Matmul(12, 32, 48, transposedB: true);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 3));
        var straight = Matmul(12, 32, 48, transposedB: false);
        var plain = MachineLoweringCheck.Check(TileToBlock.Lower(straight, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(straight, 3));
        Assert.Equal(plain.Buffers.Length + 1, machine.Buffers.Length);
    }
}
