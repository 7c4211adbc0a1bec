using Strata.Core;
using Strata.Graph.Builder;
using Strata.Tile.Execution;
using Strata.Tile.Fusion;

namespace Strata.Tile.Tests.Fusion;

/// <summary><see cref="FusionOptions.MinParallelExtent"/> and <see cref="FusionOptions.PoolsAfterContractions"/>: a large
/// contraction does not absorb an epilogue that would leave its kernel without parallel axes (a Softmax over a GEMV's
/// output columns) nor a pool over its output; a small one still does.</summary>
public sealed class FusionParallelismTests
{
    private static Graph.Graph GemvSoftmax(int k, int n)
    {
        var g = new GraphBuilder("gs", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, k);
        var w = new Tensor<float>([k, n]);
        var rng = new Random(3);
        for (int i = 0; i < w.Length; i++) w.Span[i] = (float)(rng.NextDouble() - 0.5) / 8;
        g.Output(g.Softmax(g.MatMul(x, g.Constant("w", w))), "y");
        return g.Build();
    }

    private static Graph.Graph ConvReluMaxPool(int channels, int size)
    {
        var g = new GraphBuilder("cp", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, channels, size, size);
        var w = new Tensor<float>([16, channels, 3, 3]);
        var rng = new Random(5);
        for (int i = 0; i < w.Length; i++) w.Span[i] = (float)(rng.NextDouble() - 0.5) / 4;
        g.Output(g.MaxPool(g.Relu(g.Conv(x, g.Constant("w", w), pads: [1, 1, 1, 1])), [2, 2], strides: [2, 2]), "y");
        return g.Build();
    }

    [Fact]
    public void LargeConv_LeavesItsMaxPoolToAKernelOfItsOwn()
    {
        // 16·8·24·24·9 = 663,552 multiply-adds ≥ MinParallelWork.
        var program = FusionHarness.CheckAgainstReference(() => ConvReluMaxPool(8, 24));
        Assert.Equal([["Conv", "Relu"], ["MaxPool"]], program.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
    }

    [Fact]
    public void LargeConv_LeavesItsMaxPool_HoweverLargeTheMapBetween()
    {
        // MaxSplitElements bounds the other splits, not a pool's: a map over it (zfnet512's 96×110×110 before its
        // MaxPool) fused would run the conv per program as a temp, on a grid of one.
        var options = FusionHarness.Options with { Fusion = FusionOptions.Default with { MaxSplitElements = 16 } };
        var program = FusionHarness.CheckAgainstReference(() => ConvReluMaxPool(8, 24), options: options);
        Assert.Equal([["Conv", "Relu"], ["MaxPool"]], program.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
    }

    [Fact]
    public void SmallConv_KeepsItsMaxPool()
    {
        var program = FusionHarness.CheckAgainstReference(() => ConvReluMaxPool(2, 8));
        Assert.Equal(["Conv", "Relu", "MaxPool"], Assert.Single(program.Kernels).Nodes.Select(n => n.OpType));
    }

    /// <summary>A large conv whose output is appended to <paramref name="others"/> other inputs (densenet, inception),
    /// then a pool or an affine + Relu over the concat.</summary>
    private static Graph.Graph ConvConcat(int others, bool pool)
    {
        var g = new GraphBuilder("cc", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 8, 24, 24);
        var w = new Tensor<float>([16, 8, 3, 3]);
        var rng = new Random(7);
        for (int i = 0; i < w.Length; i++) w.Span[i] = (float)(rng.NextDouble() - 0.5) / 4;
        var parts = Enumerable.Range(0, others).Select(i => g.Input($"p{i}", DataType.Float32, 1, 4, 24, 24)).ToList();
        var cat = g.Concat(1, [.. parts, g.Conv(x, g.Constant("w", w), pads: [1, 1, 1, 1])]);
        var scale = new Tensor<float>([16 + 4 * others, 1, 1]);
        for (int i = 0; i < scale.Length; i++) scale.Span[i] = (float)(rng.NextDouble() + 0.5);
        g.Output(cat, "cat");
        g.Output(pool ? g.MaxPool(cat, [3, 3], strides: [2, 2]) : g.Relu(g.Mul(cat, g.Constant("s", scale))), "y");
        return g.Build();
    }

    [Fact]
    public void LargeConv_LeavesTheConcatOfItsOutputToAKernelOfItsOwn_WithAParallelGrid()
    {
        var program = FusionHarness.CheckAgainstReference(() => ConvConcat(2, pool: false));
        var kernels = program.Kernels.ToList();
        Assert.Equal([["Conv"], ["Concat", "Mul", "Relu"]], kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
        Assert.True(ParallelExtent(kernels[1]) >= 16);
    }

    [Fact]
    public void APoolJoinsATwoWayConcat_ButNotAWiderOne()
    {
        var two = FusionHarness.CheckAgainstReference(() => ConvConcat(1, pool: true));
        Assert.Equal([["Conv"], ["Concat", "MaxPool"]], two.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
        var three = FusionHarness.CheckAgainstReference(() => ConvConcat(2, pool: true));
        Assert.Equal([["Conv"], ["Concat"], ["MaxPool"]], three.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
    }

    private static int ParallelExtent(KernelStep step)
    {
        var classes = AxisClasses.Of(step.Kernel);
        return (int)classes.ParallelCandidates.Aggregate(1L, (p, c) => p * classes.Extent(c));
    }

    [Fact]
    public void LargeContraction_KeepsItsParallelAxis_SoftmaxGetsItsOwnKernel()
    {
        var program = FusionHarness.CheckAgainstReference(() => GemvSoftmax(256, 1024));
        var kernels = program.Kernels.ToList();
        Assert.Equal([["MatMul"], ["Softmax"]], kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
        Assert.Equal(1024, ParallelExtent(kernels[0]));
    }

    [Fact]
    public void WithTheCheckOff_TheSameGraphFusesIntoOneKernelWithoutParallelAxes()
    {
        var options = FusionHarness.Options with { Fusion = FusionOptions.Default with { MinParallelExtent = 0, MaxFusedReductionWidth = 0 } };
        var program = FusionHarness.CheckAgainstReference(() => GemvSoftmax(256, 1024), options: options);
        var kernel = Assert.Single(program.Kernels);
        Assert.Equal(1, ParallelExtent(kernel));
    }

    [Fact]
    public void SmallContraction_StillAbsorbsTheSoftmax()
    {
        var program = FusionHarness.CheckAgainstReference(() => GemvSoftmax(16, 64));
        Assert.Equal(["MatMul", "Softmax"], Assert.Single(program.Kernels).Nodes.Select(n => n.OpType));
    }
}
