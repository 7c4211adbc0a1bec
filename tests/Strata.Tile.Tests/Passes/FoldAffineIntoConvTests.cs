using CsCheck;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Graph.Verification;
using Strata.Tile.Passes;

namespace Strata.Tile.Tests.Passes;

/// <summary><see cref="FoldAffineIntoConv"/>: the folded graph computes what the unfolded one does (within rounding),
/// and patterns it cannot fold are left as they are.</summary>
public sealed class FoldAffineIntoConvTests
{
    private static Tensor<float> Random(Random r, params int[] shape)
    {
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(r.NextDouble() * 2 - 1);
        return new Tensor<float>(data, shape);
    }

    private static Tensor<float> Positive(Random r, int n)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(0.1 + r.NextDouble());
        return new Tensor<float>(data, [n]);
    }

    /// <summary>Conv (groups, bias or not) → BN → Mul by a [C,1,1] or scalar constant → Add of a [1,C,1,1] constant → Relu.</summary>
    private static Graph.Graph ConvChain(int seed, int ci, int co, int groups, bool bias, int hw)
    {
        var r = new Random(seed);
        var g = new GraphBuilder("chain", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, ci * groups, hw, hw);
        var w = g.Constant("w", Random(r, co * groups, ci, 3, 3));
        var y = g.Conv(x, w, bias ? g.Constant("b", Random(r, co * groups)) : null, pads: [1, 1, 1, 1], group: groups);
        int c = co * groups;
        y = g.BatchNormalization(y, g.Constant(Random(r, c)), g.Constant(Random(r, c)), g.Constant(Random(r, c)), g.Constant(Positive(r, c)));
        y = g.Mul(y, g.Constant(seed % 2 == 0 ? Random(r, c, 1, 1) : Random(r)));
        y = g.Add(g.Constant(Random(r, 1, c, 1, 1)), y);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    private static Graph.Graph CheckPreserves(Func<Graph.Graph> build)
    {
        var inputs = Fusion.FusionHarness.RandomInputs(build(), 5);
        var expected = new GraphInterpreter().Run(build(), inputs);
        var graph = new FoldAffineIntoConv().Run(build());
        GraphVerifier.Verify(graph);
        Fusion.FusionHarness.AssertClose(expected, new GraphInterpreter().Run(graph, inputs), 1e-5);
        return graph;
    }

    [Fact]
    public void ConvBatchNormMulAddBecomeOneConv() =>
        Gen.Select(Gen.Int[0, 1000], Gen.Int[1, 4], Gen.Int[1, 5], Gen.Int[1, 3], Gen.Bool).Sample((seed, ci, co, groups, bias) =>
        {
            var graph = CheckPreserves(() => ConvChain(seed, ci, co, groups, bias, 5));
            Assert.Equal(["Conv", "Relu"], graph.Nodes.Select(n => n.OpType));
            Assert.DoesNotContain(graph.Constants, v => v.Name == "w");
            Assert.Equal(3, graph.Nodes[0].Inputs.Length);
            // Three folds name the new constants once: w_folded, not w_folded_folded_folded.
            Assert.Equal("w_folded", graph.Nodes[0].Inputs[1]!.Name);
            Assert.Equal(bias ? "b_folded" : "w_bias_folded", graph.Nodes[0].Inputs[2]!.Name);
        }, iter: 40);

    [Fact]
    public void WeightsSharedByTwoConvsFoldIntoTwoDistinctlyNamedCopies()
    {
        var graph = CheckPreserves(() =>
        {
            var g = new GraphBuilder("shared", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 2, 4, 4);
            var w = g.Constant("w", Random(new Random(1), 3, 2, 1, 1));
            var a = g.Mul(g.Conv(x, w), g.Constant(Random(new Random(2), 3, 1, 1)));
            var b = g.Add(g.Mul(g.Conv(x, w), g.Constant(Random(new Random(3), 3, 1, 1))), g.Constant(Random(new Random(4), 3, 1, 1)));
            g.Output(g.Add(a, b), "y");
            return g.Build();
        });
        Assert.Equal(["Conv", "Conv", "Add"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal(["w_folded", "w_folded1"], graph.Nodes.Take(2).Select(n => n.Inputs[1]!.Name).Order());
        Assert.Equal(graph.Constants.Count, graph.Constants.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void AConvResultReadTwiceIsLeft()
    {
        var graph = CheckPreserves(() =>
        {
            var g = new GraphBuilder("two", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 2, 4, 4);
            var y = g.Conv(x, g.Constant("w", Random(new Random(1), 3, 2, 1, 1)));
            g.Output(g.Add(g.Mul(y, g.Constant(Random(new Random(2), 3, 1, 1))), y), "y");
            return g.Build();
        });
        Assert.Equal(["Conv", "Mul", "Add"], graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void AConstantThatVariesAlongASpatialAxisIsLeft()
    {
        var graph = CheckPreserves(() =>
        {
            var g = new GraphBuilder("spatial", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 2, 4, 4);
            var y = g.Conv(x, g.Constant("w", Random(new Random(1), 4, 2, 1, 1)));
            g.Output(g.Mul(y, g.Constant(Random(new Random(2), 4))), "y");
            return g.Build();
        });
        Assert.Equal(["Conv", "Mul"], graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void WeightsComputedAtRunTimeAreLeft()
    {
        var graph = CheckPreserves(() =>
        {
            var g = new GraphBuilder("dynamic", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 2, 4, 4);
            var w = g.Input("w", DataType.Float32, 3, 2, 1, 1);
            g.Output(g.Add(g.Conv(x, w), g.Constant(Random(new Random(2), 3, 1, 1))), "y");
            return g.Build();
        });
        Assert.Equal(["Conv", "Add"], graph.Nodes.Select(n => n.OpType));
    }
}
