using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile.Execution;
using Strata.Tile.Passes;
using Strata.Tile.Tests.Fusion;

namespace Strata.Tile.Tests.Passes;

/// <summary>Constant conv weights are re-laid out to [kh, kw, co, ci] (rows along the dot's K) at compile time, and the
/// compiled program still computes what the reference interpreter computes.</summary>
public class RelayoutContractionWeightsTests
{
    private static Graph.Graph Conv(int cin, int cout, int k, int group, long[] pads, long[] strides, long[]? dilations = null)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, cin, 9, 8);
        var w = g.Constant("w", FusionModels.Random(3, cout, cin / group, k, k));
        g.Output(g.Relu(g.Conv(x, w, g.Constant("b", FusionModels.Random(4, cout)), pads: pads, strides: strides, dilations: dilations, group: group)), "y");
        return g.Build();
    }

    private static TileBuffer Weights(TileProgram p) => p.Kernels.Single().Kernel.Inputs.Single(b => b.Name == "w");

    [Fact]
    public void A3x3ConvReadsItsWeightsAsKhKwCoCi()
    {
        var p = FusionHarness.CheckAgainstReference(() => Conv(5, 6, 3, 1, [1, 0, 2, 1], [2, 1], [1, 2]), options: Unmerged);
        Assert.Equal([3L, 3, 6, 5], Weights(p).Shape.AsEnumerable());
        var bound = p.Kernels.Single().Inputs[p.Kernels.Single().Kernel.Inputs.IndexOf(Weights(p))];
        Assert.Equal([3, 3, 6, 5], bound.Constant!.Shape);
        Assert.NotEqual("w", bound.Name);
    }

    [Fact]
    public void AConvWithShortRowsReadsItsWeightsAsKhKwCiCo()
    {
        // ow = 4 (stride 2): the channels become the dot's columns (DotShape.WantsChannelColumns), read along co.
        var p = FusionHarness.CheckAgainstReference(() => Conv(17, 32, 3, 1, [1, 1, 1, 1], [2, 2]));
        Assert.Equal([3L, 3, 17, 32], Weights(p).Shape.AsEnumerable());
        var c = p.Kernels.Single().Kernel.Computations[0];
        Assert.True(DotShape.DefaultRoles(c, a => p.Kernels.Single().Kernel.Axis(a).Extent)!.Transposed);
    }

    [Fact]
    public void A1x1ConvKeepsItsLayout()
    {
        var p = FusionHarness.CheckAgainstReference(() => Conv(5, 6, 1, 1, [0, 0, 0, 0], [1, 1]));
        Assert.Equal([6L, 5, 1, 1], Weights(p).Shape.AsEnumerable());
    }

    [Fact]
    public void ADepthwiseConvKeepsItsLayout()
    {
        var p = FusionHarness.CheckAgainstReference(() => Conv(4, 4, 3, 4, [1, 1, 1, 1], [1, 1]));
        Assert.Equal([4L, 1, 3, 3], Weights(p).Shape.AsEnumerable());
    }

    [Fact]
    public void AGroupedConvComputesTheSame() =>
        FusionHarness.CheckAgainstReference(() => Conv(4, 6, 3, 2, [1, 1, 1, 1], [1, 2]));

    [Fact]
    public void A1dAnd3dConvComputeTheSame()
    {
        FusionHarness.CheckAgainstReference(() =>
        {
            var g = new GraphBuilder("conv1d", opset: 17);
            var x = g.Input("x", DataType.Float32, 2, 3, 11);
            g.Output(g.Conv(x, g.Constant("w", FusionModels.Random(5, 4, 3, 3)), pads: [2, 0], strides: [2]), "y");
            return g.Build();
        });
        FusionHarness.CheckAgainstReference(() =>
        {
            var g = new GraphBuilder("conv3d", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 2, 4, 5, 6);
            g.Output(g.Conv(x, g.Constant("w", FusionModels.Random(6, 3, 2, 2, 3, 2)), pads: [1, 0, 1, 0, 1, 1]), "y");
            return g.Build();
        });
    }

    [Fact]
    public void AConvTransposeWithConstantWeightsComputesTheSame() =>
        FusionHarness.CheckAgainstReference(() =>
        {
            var g = new GraphBuilder("convt", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 3, 5, 4);
            g.Output(g.Op("ConvTranspose", [x, g.Constant("w", FusionModels.Random(7, 3, 4, 3, 3))],
                [Graph.Attribute.Of("strides", new long[] { 2, 1 }), Graph.Attribute.Of("pads", new long[] { 1, 0, 0, 1 })]), "y");
            return g.Build();
        });

    private static Graph.Graph Linear(int batch, int k, int n, bool transB)
    {
        var g = new GraphBuilder("linear", opset: 17);
        var x = g.Input("x", DataType.Float32, batch, k);
        var w = g.Constant("w", transB ? FusionModels.Random(5, n, k) : FusionModels.Random(5, k, n));
        g.Output(g.Relu(g.Gemm(x, w, g.Constant("b", FusionModels.Random(6, n)), transB: transB)), "y");
        return g.Build();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AGemmWithTransposedConstantWeightsReadsThemAsKn(int batch)
    {
        var p = FusionHarness.CheckAgainstReference(() => Linear(batch, 7, 5, transB: true));
        Assert.Equal([7L, 5], Weights(p).Shape.AsEnumerable());
        var bound = p.Kernels.Single().Inputs[p.Kernels.Single().Kernel.Inputs.IndexOf(Weights(p))];
        Assert.Equal([7, 5], bound.Constant!.Shape);
    }

    /// <summary>At batch 1 (a GEMV) the [N, K] weight stays: KnobSpace's GEMV default streams its contiguous rows.</summary>
    [Fact]
    public void AGemmWithTransposedConstantWeightsAtBatch1KeepsNk()
    {
        var p = FusionHarness.CheckAgainstReference(() => Linear(1, 7, 5, transB: true));
        Assert.Equal([5L, 7], Weights(p).Shape.AsEnumerable());
        Assert.Equal("w", p.Kernels.Single().Inputs[p.Kernels.Single().Kernel.Inputs.IndexOf(Weights(p))].Name);
        // The GEMV default (the whole K per program) applies to it.
        var k = p.Kernels.Single().Kernel;
        Assert.Equal("7", KnobSpace.For(k).Default()[KnobNames.Block(k.Computations.Single(c => c.Reduce is not null).Reduce!.Axes.Single())]);
    }

    [Fact]
    public void AGemmWithKnWeightsKeepsItsLayout()
    {
        var p = FusionHarness.CheckAgainstReference(() => Linear(3, 7, 5, transB: false));
        Assert.Equal([7L, 5], Weights(p).Shape.AsEnumerable());
        Assert.Equal("w", p.Kernels.Single().Inputs[p.Kernels.Single().Kernel.Inputs.IndexOf(Weights(p))].Name);
    }

    /// <summary>Wider than a panel (N = 130 > 64), a constant B is laid out in panels (PanelContractionWeights):
    /// [⌈130/64⌉, K, 64], the last padded with zeros, transposed or not; the program still computes the reference's
    /// results. Off (PanelConstantWeights = false) it stays [K, N].</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AGemmWithWideConstantWeightsReadsThemInPanels(bool transB)
    {
        var p = FusionHarness.CheckAgainstReference(() => Linear(3, 7, 130, transB));
        Assert.Equal([3L, 7, 64], Weights(p).Shape.AsEnumerable());
        var bound = p.Kernels.Single().Inputs[p.Kernels.Single().Kernel.Inputs.IndexOf(Weights(p))];
        Assert.Equal([3, 7, 64], bound.Constant!.Shape);
        Assert.EndsWith("_panels", bound.Name);
        var off = FusionHarness.CheckAgainstReference(() => Linear(3, 7, 130, transB), options: FusionHarness.Options with { PanelConstantWeights = false });
        Assert.Equal([7L, 130], Weights(off).Shape.AsEnumerable());
    }

    /// <summary>A single row times a [K, N] weight takes panels too (each program then streams contiguous blocks, not
    /// 256 bytes of each row a whole N apart); a single row times a transB weight keeps [N, K] for the GEMV default.</summary>
    [Fact]
    public void ASingleRowPanelsAKnWeightAndKeepsATransposedOne()
    {
        var p = FusionHarness.CheckAgainstReference(() => Linear(1, 7, 130, transB: false));
        Assert.Equal([3L, 7, 64], Weights(p).Shape.AsEnumerable());
        var t = FusionHarness.CheckAgainstReference(() => Linear(1, 7, 130, transB: true));
        Assert.Equal([130L, 7], Weights(t).Shape.AsEnumerable());
    }

    /// <summary>A conv whose weights are computed from a constant (Exp: a kernel of its own, not recomputed per read) by
    /// a node graph folding leaves to run (here its size limit is 16; the runtime folds such kernels once).</summary>
    private static Graph.Graph ConvOfTransposedWeights(bool weightsAlsoAnOutput)
    {
        var g = new GraphBuilder("convt", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 5, 9, 8);
        var wt = g.Constant("wt", FusionModels.Random(3, 3, 3, 5, 6));
        var w = g.Exp(g.Op("Transpose", [wt], [Graph.Attribute.Of("perm", new long[] { 3, 2, 0, 1 })]));
        g.Output(g.Relu(g.Conv(x, w, pads: [1, 1, 1, 1])), "y");
        if (weightsAlsoAnOutput) g.Output(w, "w");
        return g.Build();
    }

    /// <summary>Without im2col (MergeContractionTaps): the per-tap layouts these tests are about.</summary>
    private static TileCompilerOptions Unmerged => FusionHarness.Options with { MergeContractionTaps = TapMerging.Never };

    /// <summary>im2col (ci = 5, below a vector: the cost rule merges): the weight is read as [co, ci·kh·kw], in place
    /// (no copy), and the Tile interpreter still matches the reference.</summary>
    [Fact]
    public void ASmallChannelConvReadsItsWeightsAsCoK()
    {
        var p = FusionHarness.CheckAgainstReference(() => Conv(5, 6, 3, 1, [1, 0, 2, 1], [2, 1], [1, 2]));
        Assert.Equal([6L, 45], Weights(p).Shape.AsEnumerable());
        Assert.Single(p.Kernels.Single().Kernel.Computations, c => c.Reduce is { Axes.Length: 1 });
    }

    /// <summary>The same conv over a kernel-written weight: the merged reader binds the writer's [co, ci, kh, kw] by size.</summary>
    [Fact]
    public void AMergedConvOverAConstantKernelMatchesTheReference()
    {
        var p = FusionHarness.CheckAgainstReference(() => ConvOfTransposedWeights(false), options: NoFolding with { MergeContractionTaps = TapMerging.Always });
        Assert.Contains(p.Kernels, k => k.Kernel.Computations.Any(DotShape.IsMergedTaps));
    }

    private static TileCompilerOptions NoFolding => FusionHarness.Options with
    {
        MergeContractionTaps = TapMerging.Never,
        GraphPasses = new GraphPipeline([new FoldConstants(maxElements: 16), new EliminateDeadNodes(), new OrderForFusion()]),
    };

    [Fact]
    public void AConvReadingWeightsOfAConstantKernelHasThatKernelWriteThemAsKhKwCoCi()
    {
        var p = FusionHarness.CheckAgainstReference(() => ConvOfTransposedWeights(false), options: NoFolding);
        var (producer, conv) = (p.Kernels.First(), p.Kernels.Last());
        Assert.Equal(2, p.Kernels.Count());
        Assert.Equal([3L, 3, 6, 5], producer.Kernel.Outputs.Single().Shape.AsEnumerable());
        Assert.Same(producer.Outputs.Single(), conv.Inputs.Single(v => !v.IsConstant && v.Name != "x"));
        Assert.Equal([3L, 3, 6, 5], conv.Kernel.Inputs.Single(b => b.Shape.Length == 4 && b.Shape[0] == 3).Shape.AsEnumerable());
    }

    [Fact]
    public void WeightsOfAConstantKernelThatAreAlsoAGraphOutputKeepTheirLayout()
    {
        var p = FusionHarness.CheckAgainstReference(() => ConvOfTransposedWeights(true), options: NoFolding);
        Assert.Contains(p.Kernels, k => k.Kernel.Outputs.Any(b => b.Shape.SequenceEqual([6L, 5, 3, 3])));
    }
}
