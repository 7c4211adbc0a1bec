using Strata.Core;
using Strata.Graph.Builder;
using Strata.Tile.Fusion;

namespace Strata.Tile.Tests.Fusion;

/// <summary><see cref="FusionOptions.MaxFusedReductionWidth"/> and <see cref="FusionOptions.ReindexingViews"/>: a
/// large contraction keeps a kernel that tiles as a GEMM over its rows and columns. A LayerNorm over rows wider than one
/// column block and a head split (Reshape + Transpose) of its output get kernels of their own; a Softmax over short
/// rows (attention scores) and a bias add stay fused; small contractions keep everything.</summary>
public sealed class FusionContractionShapeTests
{
    private static Var Weight(GraphBuilder g, string name, int seed, params int[] shape)
    {
        var w = new Tensor<float>(shape);
        var rng = new Random(seed);
        for (int i = 0; i < w.Length; i++) w.Span[i] = (float)(rng.NextDouble() - 0.5) / 8;
        return g.Constant(name, w);
    }

    /// <summary>x·W + b + x, then LayerNorm over the last axis (a transformer's residual block).</summary>
    private static Graph.Graph LinearResidualNorm(int rows, int width)
    {
        var g = new GraphBuilder("ln", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, rows, width);
        var y = g.Add(g.Add(g.MatMul(x, Weight(g, "w", 1, width, width)), Weight(g, "b", 2, width)), x);
        g.Output(g.LayerNormalization(y, Weight(g, "s", 3, width), Weight(g, "t", 4, width)), "y");
        return g.Build();
    }

    /// <summary>x·W + b split into heads: [1, s, h·d] → [1, h, s, d].</summary>
    private static Graph.Graph LinearHeads(int seq, int heads, int dh)
    {
        var g = new GraphBuilder("hs", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, seq, heads * dh);
        var y = g.Add(g.MatMul(x, Weight(g, "w", 1, heads * dh, heads * dh)), Weight(g, "b", 2, heads * dh));
        g.Output(g.Transpose(g.Reshape(y, 1, seq, heads, dh), 0, 2, 1, 3), "y");
        return g.Build();
    }

    /// <summary>softmax(q·kᵀ·scale) on [1, h, s, d] heads.</summary>
    private static Graph.Graph Scores(int seq, int heads, int dh)
    {
        var g = new GraphBuilder("sc", opset: 17);
        var q = g.Input("q", DataType.Float32, 1, heads, seq, dh);
        var kT = g.Input("kt", DataType.Float32, 1, heads, dh, seq);
        g.Output(g.Softmax(g.Mul(g.MatMul(q, kT), g.Scalar(0.125))), "y");
        return g.Build();
    }

    /// <summary>q·kᵀ or p·v on heads split from a [1, s, h·d] input by Reshape + Transpose (the view is the second operand).</summary>
    private static Graph.Graph HeadsOperand(int seq, int heads, int dh, bool transposed)
    {
        var g = new GraphBuilder("ho", opset: 17);
        var a = g.Input("a", DataType.Float32, 1, heads, seq, transposed ? dh : seq);
        var flat = g.Input("f", DataType.Float32, 1, seq, heads * dh);
        var split = g.Reshape(flat, 1, seq, heads, dh);
        var b = transposed ? g.Transpose(split, 0, 2, 3, 1) : g.Transpose(split, 0, 2, 1, 3);
        g.Output(g.MatMul(a, b), "y");
        return g.Build();
    }

    private static string[][] Kernels(TileProgram program) =>
        program.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()).ToArray();

    [Fact]
    public void LargeContraction_LeavesAWideLayerNormToAKernelOfItsOwn()
    {
        // 64·264·264 ≈ 4.5 Mi multiply-adds; rows of 264 elements are wider than one column block (256).
        var program = FusionHarness.CheckAgainstReference(() => LinearResidualNorm(64, 264));
        Assert.Equal([["MatMul", "Add", "Add"], ["LayerNormalization"]], Kernels(program));
    }

    [Fact]
    public void WithTheWidthCheckOff_TheLayerNormJoinsTheContraction()
    {
        var options = FusionHarness.Options with { Fusion = FusionOptions.Default with { MaxFusedReductionWidth = 0 } };
        var program = FusionHarness.CheckAgainstReference(() => LinearResidualNorm(64, 264), options: options);
        Assert.Equal([["MatMul", "Add", "Add", "LayerNormalization"]], Kernels(program));
    }

    [Fact]
    public void SmallContraction_KeepsItsLayerNorm()
    {
        var program = FusionHarness.CheckAgainstReference(() => LinearResidualNorm(2, 264));
        Assert.Equal([["MatMul", "Add", "Add", "LayerNormalization"]], Kernels(program));
    }

    [Fact]
    public void LargeContraction_LeavesAHeadSplitToAKernelOfItsOwn()
    {
        var program = FusionHarness.CheckAgainstReference(() => LinearHeads(128, 4, 16));
        Assert.Equal([["MatMul", "Add"], ["Reshape", "Transpose"]], Kernels(program));
    }

    [Fact]
    public void WithTheAxesCheckOff_TheHeadSplitJoinsTheContraction()
    {
        var options = FusionHarness.Options with { Fusion = FusionOptions.Default with { ReindexingViews = [] } };
        var program = FusionHarness.CheckAgainstReference(() => LinearHeads(128, 4, 16), options: options);
        Assert.Equal([["MatMul", "Add", "Reshape", "Transpose"]], Kernels(program));
    }

    [Fact]
    public void SmallContraction_KeepsItsHeadSplit()
    {
        var program = FusionHarness.CheckAgainstReference(() => LinearHeads(4, 2, 8));
        Assert.Equal([["MatMul", "Add", "Reshape", "Transpose"]], Kernels(program));
    }

    [Fact]
    public void AttentionScores_KeepTheirSoftmax()
    {
        // 4·64·64·16 = 256 Ki multiply-adds; rows of 64.
        var program = FusionHarness.CheckAgainstReference(() => Scores(64, 4, 16));
        Assert.Equal([["MatMul", "Mul", "Softmax"]], Kernels(program));
    }

    [Fact]
    public void KeysSplitIntoHeadsAndTransposed_AreStoredOnce_NotReadAcrossKByTheScores()
    {
        var program = FusionHarness.CheckAgainstReference(() => HeadsOperand(32, 2, 8, transposed: true));
        Assert.Equal([["Reshape", "Transpose"], ["MatMul"]], Kernels(program));
    }

    [Fact]
    public void ValuesSplitIntoHeads_StayAPrologueOfTheContext()
    {
        var program = FusionHarness.CheckAgainstReference(() => HeadsOperand(32, 2, 8, transposed: false));
        Assert.Equal([["Reshape", "Transpose", "MatMul"]], Kernels(program));
    }

    /// <summary>A grouped 1×1 conv, a channel shuffle (Reshape [1, g·c, h, w] → [1, g, c, h, w], Transpose, Reshape
    /// back) or a reshape of the rows' columns, then a padded depthwise 3×3 conv.</summary>
    private static Graph.Graph ShuffleThenDepthwise(bool shuffle)
    {
        const int groups = 2, c = 32, h = 16, w = 12, ch = groups * c; // 393 Ki multiply-adds: the shuffle stays out of the first conv
        var g = new GraphBuilder("shuffle", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, ch, h, w);
        var y = g.Conv(x, Weight(g, "w1", 1, ch, c, 1, 1), group: groups);
        var v = shuffle
            ? g.Reshape(g.Transpose(g.Reshape(y, 1, groups, c, h, w), 0, 2, 1, 3, 4), 1, ch, h, w)
            : g.Reshape(y, 1, ch, w, h);
        g.Output(g.Conv(v, Weight(g, "w2", 2, ch, 1, 3, 3), pads: [1, 1, 1, 1], group: ch), "y");
        return g.Build();
    }

    [Fact]
    public void ChannelShuffle_IsAPrologueOfTheNextConv()
    {
        var program = FusionHarness.CheckAgainstReference(() => ShuffleThenDepthwise(shuffle: true));
        Assert.Equal([["Conv"], ["Reshape", "Transpose", "Reshape", "Conv"]], Kernels(program));
    }

    [Fact]
    public void AReshapeThatDividesTheRows_StaysACopyBeforeAConv()
    {
        var program = FusionHarness.CheckAgainstReference(() => ShuffleThenDepthwise(shuffle: false));
        Assert.Equal([["Conv"], ["Reshape"], ["Conv"]], Kernels(program));
    }
}
