using Strata.Tile.Passes;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Passes;

/// <summary>NonPositiveExp marks exp(a − max(a)) and nothing else: the maximum must be of the very expression the exp
/// subtracts it from, at the loaded position, over a range that covers the use's index.</summary>
public sealed class NonPositiveExpTests
{
    private static string Kernel(string maxBody, string expArg, int reduceExtent = 8) => $$"""
        tile.kernel @s(%x: f32[4,8], %z: f32[4,8]) -> (%y: f32[4,8]) {
          temp %max: f32[4]
          temp %e: f32[4,8]
          domain i = 4, j = 8
          reduce k = {{reduceExtent}}
          %max[i] = max[k] {{maxBody}}
          %e[i, j] = exp({{expArg}})
          %y[i, j] = div(%e[i, j], 2.0 : f32)
        }
        """;

    private static bool Marked(string text) =>
        TilePrinter.Print(new NonPositiveExp().Run(TileParser.ParseKernel(text))).Contains("expnonpos(", StringComparison.Ordinal);

    [Fact]
    public void SoftmaxShiftIsMarked() =>
        Assert.True(Marked(Kernel("mul(%x[i, k], 4.0 : f32)", "sub(mul(%x[i, j], 4.0 : f32), %max[i])")));

    /// <summary>maxnative (softmax's row maximum, NaN left to the host) is the maximum wherever the row has no NaN; the
    /// text form parses and prints it.</summary>
    [Fact]
    public void MaxNativeShiftIsMarked()
    {
        var text = Kernel("%x[i, k]", "sub(%x[i, j], %max[i])").Replace("max[k]", "maxnative[k]", StringComparison.Ordinal);
        Assert.Contains("maxnative[k]", TilePrinter.Print(TileParser.ParseKernel(text)), StringComparison.Ordinal);
        Assert.True(Marked(text));
    }

    [Fact]
    public void MaxOfAnotherExpressionIsNot()
    {
        Assert.False(Marked(Kernel("%x[i, k]", "sub(%z[i, j], %max[i])")));
        Assert.False(Marked(Kernel("%x[i, k]", "sub(mul(%x[i, j], 2.0 : f32), %max[i])")));
        // The maximum of another row.
        Assert.False(Marked(Kernel("%x[i, k]", "sub(%x[i, j], %max[sub(3, i)])")));
        // max − x ≥ 0.
        Assert.False(Marked(Kernel("%x[i, k]", "sub(%max[i], %x[i, j])")));
        // A sum is not a maximum.
        Assert.False(Marked(Kernel("%x[i, k]", "sub(%x[i, j], %max[i])").Replace("max[k]", "sum[k]", StringComparison.Ordinal)));
    }

    [Fact]
    public void MaxOverAShorterRangeIsNot() =>
        Assert.False(Marked(Kernel("%x[i, k]", "sub(%x[i, j], %max[i])", reduceExtent: 4)));

    [Fact]
    public void ResultsAreTheInterpretersBeforeAndAfter()
    {
        var before = TileParser.ParseKernel(Kernel("mul(%x[i, k], 4.0 : f32)", "sub(mul(%x[i, j], 4.0 : f32), %max[i])"));
        var after = new NonPositiveExp().Run(before);
        Assert.NotEqual(before, after);
        var args = before.Inputs.Select((b, i) => (Core.Tensor)Fusion.FusionModels.Random(i, [.. b.Shape.Select(d => (int)d)])).ToList();
        Assert.Equal(Core.TensorConvert.ToDoubles(TileInterpreter.Run(before, args)[0]), Core.TensorConvert.ToDoubles(TileInterpreter.Run(after, args)[0]));
    }
}
