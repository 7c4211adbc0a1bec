using CsCheck;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Graph.Verification;
using Strata.Tile.Passes;

namespace Strata.Tile.Tests.Passes;

/// <summary><see cref="CombineChannelAffine"/>: a chain of per-channel affine nodes after a value that is not a conv
/// becomes one Mul and one Add, computing what the chain does (within rounding); short chains are left.</summary>
public sealed class CombineChannelAffineTests
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

    private static Graph.Graph CheckPreserves(Func<Graph.Graph> build)
    {
        var inputs = Fusion.FusionHarness.RandomInputs(build(), 5);
        var expected = new GraphInterpreter().Run(build(), inputs);
        var graph = new CombineChannelAffine().Run(build());
        GraphVerifier.Verify(graph);
        Fusion.FusionHarness.AssertClose(expected, new GraphInterpreter().Run(graph, inputs), 1e-5);
        return graph;
    }

    /// <summary>Relu(x) → [BN] → Mul by a [C,1,1] or scalar constant → Add of a [1,C,1,1] constant → Relu, on a rank-2..4 value.</summary>
    private static Graph.Graph Chain(int seed, int c, int rank, bool bn)
    {
        var r = new Random(seed);
        var g = new GraphBuilder("chain", opset: 17);
        int[] dims = [2, c, .. Enumerable.Repeat(3, rank - 2)];
        var x = g.Input("x", DataType.Float32, [.. dims.Select(d => (Dim)d)]);
        var y = g.Relu(x);
        int[] channelShape = [c, .. Enumerable.Repeat(1, rank - 2)];
        if (bn) y = g.BatchNormalization(y, g.Constant(Random(r, c)), g.Constant(Random(r, c)), g.Constant(Random(r, c)), g.Constant(Positive(r, c)));
        y = g.Mul(y, g.Constant(seed % 2 == 0 ? Random(r, channelShape) : Random(r)));
        y = g.Add(g.Constant(Random(r, [1, .. channelShape])), y);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    [Fact]
    public void ChainsWithABatchNormBecomeOneMulAndOneAdd() =>
        Gen.Select(Gen.Int[0, 1000], Gen.Int[1, 6], Gen.Int[2, 4]).Sample((seed, c, rank) =>
        {
            var graph = CheckPreserves(() => Chain(seed, c, rank, bn: true));
            Assert.Equal(["Relu", "Mul", "Add", "Relu"], graph.Nodes.Select(n => n.OpType));
            Assert.DoesNotContain(graph.Nodes, n => n.OpType == "BatchNormalization");
        }, iter: 40);

    [Fact]
    public void AMulAndAnAddAloneAreLeft()
    {
        var graph = CheckPreserves(() => Chain(3, 4, 4, bn: false));
        Assert.Equal(4, graph.Nodes.Count);
        Assert.Equal(["Relu", "Mul", "Add", "Relu"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal(Chain(3, 4, 4, bn: false).Constants.Count, graph.Constants.Count);
    }

    [Fact]
    public void AValueInsideTheChainReadElsewhereEndsIt()
    {
        var graph = CheckPreserves(() =>
        {
            var r = new Random(4);
            var g = new GraphBuilder("branch", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, 3, 2, 2);
            var bn = g.BatchNormalization(x, g.Constant(Random(r, 3)), g.Constant(Random(r, 3)), g.Constant(Random(r, 3)), g.Constant(Positive(r, 3)));
            var m = g.Mul(bn, g.Constant(Random(r, 3, 1, 1)));
            g.Output(g.Add(m, bn), "y");
            return g.Build();
        });
        Assert.Equal(["Mul", "Add", "Mul", "Add"], graph.Nodes.Select(n => n.OpType));
    }
}
