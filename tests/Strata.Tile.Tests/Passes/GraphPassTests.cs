using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Graph.Verification;
using Strata.Tile.Passes;

namespace Strata.Tile.Tests.Passes;

/// <summary>The graph passes that run before fusion: each keeps the graph valid and its results unchanged.</summary>
public sealed class GraphPassTests
{
    private static Dictionary<string, RuntimeValue> Inputs(Graph.Graph g) => Fusion.FusionHarness.RandomInputs(g, 3);

    /// <summary>Runs <paramref name="pass"/> on a fresh copy of the graph and checks it verifies and computes the same.</summary>
    private static Graph.Graph CheckPreserves(Func<Graph.Graph> build, IGraphPass pass)
    {
        var inputs = Inputs(build());
        var expected = new GraphInterpreter().Run(build(), inputs);
        var graph = pass.Run(build());
        GraphVerifier.Verify(graph);
        Fusion.FusionHarness.AssertClose(expected, new GraphInterpreter().Run(graph, inputs), 0);
        return graph;
    }

    private static Graph.Graph ShapeChain()
    {
        var g = new GraphBuilder("shapes", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3, 4);
        var shape = g.Shape(x);
        var rows = g.Gather(shape, g.Constant(Tensor<long>.Scalar(0)), axis: 0);
        var target = g.Concat(0, g.Unsqueeze(rows, 0), g.Constant(-1L));
        g.Output(g.Reshape(g.Relu(x), target), "y");
        return g.Build();
    }

    [Fact]
    public void FoldConstants_TurnsShapeChainsIntoConstants()
    {
        var graph = CheckPreserves(ShapeChain, new FoldConstants());
        Assert.Equal(["Relu", "Reshape"], graph.Nodes.Select(n => n.OpType));
        var reshape = graph.Nodes[1];
        Assert.Equal([2L, -1L], Assert.IsType<Tensor<long>>(reshape.Inputs[1]!.Constant).ToArray());
    }

    [Fact]
    public void FoldConstants_LeavesReadersOfSpecializedInputs()
    {
        var g = new GraphBuilder("spec", opset: 17);
        var n = g.Input("n", DataType.Int64, 2);
        g.Output(g.Add(n, g.Constant(1L, 2L)), "y");
        var graph = g.Build();
        var input = graph.Inputs[0];
        graph.Inputs.Clear();
        input.Constant = Tensor<long>.FromArray([5, 6], 2);
        graph.Constants.Add(input);
        Assert.Single(new FoldConstants(specializedInputs: new HashSet<Value>([input], ReferenceEqualityComparer.Instance)).Run(graph).Nodes);
        Assert.Empty(new FoldConstants().Run(graph).Nodes);
        Assert.Equal([6L, 8L], ((Tensor<long>)graph.Constants.Single(c => c.Name == "y").Constant!).ToArray());
    }

    /// <summary>x + fill(value) where the fill (a ConstantOfShape, or an Expand of a scalar) has <paramref name="n"/> elements.</summary>
    private static Graph.Graph AddFill(int n, bool expand)
    {
        var g = new GraphBuilder("fill", opset: 17);
        var x = g.Input("x", DataType.Float32, n);
        var shape = g.Constant(Tensor<long>.FromArray([n], 1));
        var fill = expand
            ? g.Op("Expand", [g.Constant(Tensor<float>.FromArray([0.5f], 1)), shape])[0]
            : g.Op("ConstantOfShape", [shape], [Strata.Graph.Attribute.Of("value", Tensor<float>.FromArray([0.5f], 1))])[0];
        g.Output(g.Add(x, fill), "y");
        return g.Build();
    }

    [Fact]
    public void FoldConstants_FoldsFillsOverTheSizeLimitButNotOtherResults()
    {
        var fill = CheckPreserves(() => AddFill(64, expand: false), new FoldConstants(maxElements: 16));
        Assert.Equal(["Add"], fill.Nodes.Select(n => n.OpType));
        Assert.Equal(Enumerable.Repeat(0.5f, 64), ((Tensor<float>)fill.Nodes[0].Inputs[1]!.Constant!).ToArray());
        var expand = CheckPreserves(() => AddFill(64, expand: true), new FoldConstants(maxElements: 16));
        Assert.Equal(["Expand", "Add"], expand.Nodes.Select(n => n.OpType));
        Assert.Equal(["Add"], CheckPreserves(() => AddFill(16, expand: true), new FoldConstants(maxElements: 16)).Nodes.Select(n => n.OpType));
    }

    private static Graph.Graph ConstantIf()
    {
        var g = new GraphBuilder("ifc", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var rank2 = g.Equal(g.Op("Size", [g.Shape(x)])[0], g.Constant(Tensor<long>.Scalar(2)));
        var then = g.Subgraph("then");
        then.Output(then.Relu(x), "t_out");
        var otherwise = g.Subgraph("else");
        otherwise.Output(otherwise.Neg(x), "e_out");
        g.Output(g.If(rank2, then.Build(), otherwise.Build())[0], "y");
        return g.Build();
    }

    [Fact]
    public void InlineConstantIfs_KeepsTheTakenBranch()
    {
        var graph = CheckPreserves(ConstantIf, new GraphPipeline([new FoldConstants(), new InlineConstantIfs(), new InferTypes()]).AsPass());
        Assert.Equal(["Relu", "Identity"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal("f32[2,3]", graph.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void StandardPipeline_InlinesNestedIfsWhoseConditionsFoldOnlyAfterTheOuterOne()
    {
        static Graph.Graph Build()
        {
            var g = new GraphBuilder("nested", opset: 17);
            var x = g.Input("x", DataType.Float32, 2, 3);
            var rank2 = g.Equal(g.Op("Size", [g.Shape(x)])[0], g.Constant(Tensor<long>.Scalar(2)));
            var outerThen = g.Subgraph("outer_then");
            var rows2 = outerThen.Equal(outerThen.Gather(outerThen.Shape(x), outerThen.Constant(Tensor<long>.Scalar(0))), outerThen.Constant(Tensor<long>.Scalar(2)));
            var innerThen = outerThen.Subgraph("inner_then");
            innerThen.Output(innerThen.Relu(x), "it");
            var innerElse = outerThen.Subgraph("inner_else");
            innerElse.Output(innerElse.Abs(x), "ie");
            outerThen.Output(outerThen.If(rows2, innerThen.Build(), innerElse.Build())[0], "ot");
            var outerElse = g.Subgraph("outer_else");
            outerElse.Output(outerElse.Neg(x), "oe");
            g.Output(g.If(rank2, outerThen.Build(), outerElse.Build())[0], "y");
            return g.Build();
        }
        var graph = CheckPreserves(Build, GraphPipeline.Standard().AsPass());
        Assert.DoesNotContain(graph.Nodes, n => n.OpType == "If");
        Assert.Contains(graph.Nodes, n => n.OpType == "Relu");
    }

    [Fact]
    public void EliminateDeadNodes_DropsWhatNoOutputNeeds()
    {
        static Graph.Graph Build()
        {
            var g = new GraphBuilder("dead", opset: 17);
            var x = g.Input("x", DataType.Float32, 2);
            _ = g.Exp(g.Neg(x));
            g.Output(g.Relu(x), "y");
            return g.Build();
        }
        Assert.Equal(["Relu"], CheckPreserves(Build, new EliminateDeadNodes()).Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void OrderForFusion_PutsReadersRightAfterTheirProducers()
    {
        static Graph.Graph Build()
        {
            var g = new GraphBuilder("interleaved", opset: 17);
            var x = g.Input("x", DataType.Float32, 2);
            var a = g.Relu(x, "a");
            var b = g.Neg(x, "b");
            var a2 = g.Exp(a, "a2");
            var b2 = g.Abs(b, "b2");
            g.Output(g.Add(a2, b2), "y");
            return g.Build();
        }
        var graph = CheckPreserves(Build, new OrderForFusion());
        Assert.Equal(["a", "a2", "b", "b2", "y"], graph.Nodes.Select(n => n.Outputs[0]!.Name));
    }
}
