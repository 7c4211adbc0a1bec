using Strata.Tile;

namespace Strata.Block.Tests.Lowering;

/// <summary><see cref="GroupWidth"/>: an operand reads an axis group-wise only where every use is <c>floordiv(axis, q)</c>.</summary>
public class GroupWidthTests
{
    private static (Expr X, Expr W) Operands(string text)
    {
        var c = LoweringCheck.Parse(text).Computations.Single();
        var (a, b) = DotShape.Operands(c)!.Value;
        return (a, b);
    }

    [Fact]
    public void AGroupedConvsInputReadsCoGroupWiseAndItsWeightDoesNot()
    {
        var (x, w) = Operands(LoweringKernels.GroupedConv2d);
        Assert.Equal(2L, GroupWidth.Of(x, "co"));
        Assert.Null(GroupWidth.Of(w, "co"));
        Assert.Null(GroupWidth.Of(x, "ow")); // read per lane
        Assert.Null(GroupWidth.Of(x, "n0")); // not read
        Assert.True(GroupWidth.IsUniform(x, "co", 2));
        Assert.False(GroupWidth.IsUniform(x, "co", 4)); // a block of 4 straddles two groups
        Assert.False(GroupWidth.IsUniform(x, "co", 1)); // block 1 needs no rule
    }

    [Fact]
    public void SeveralDivisorsGiveTheirGcdAndAPlainUseGivesNone()
    {
        const string text = """
            tile.kernel @k(%x: f32[12,12], %y: f32[12,12]) -> (%out: f32[12]) {
              domain i = 12
              reduce k = 12
              %out[i] = sum[k] mul(%x[floordiv(i, 4), floordiv(i, 6)], %y[i, k])
            }
            """;
        var (x, _) = Operands(text);
        Assert.Equal(2L, GroupWidth.Of(x, "i"));
        const string plain = """
            tile.kernel @k(%x: f32[12,12], %y: f32[12,12]) -> (%out: f32[12]) {
              domain i = 12
              reduce k = 12
              %out[i] = sum[k] mul(%x[floordiv(i, 4), i], %y[i, k])
            }
            """;
        Assert.Null(GroupWidth.Of(Operands(plain).X, "i"));
    }
}
