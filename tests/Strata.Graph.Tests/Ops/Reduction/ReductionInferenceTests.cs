using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

/// <summary>Static types of the family's outputs when input shapes are symbolic.</summary>
public class ReductionInferenceTests
{
    private static Core.ValueType?[] Infer(string op, Core.ValueType?[] inputs, Tensor?[]? constants = null, Strata.Graph.Attribute[]? attrs = null,
        int opset = 23, int outputs = 1)
    {
        var graph = new Graph("infer");
        graph.OpsetImports[""] = opset;
        var values = new Value?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (constants?.ElementAtOrDefault(i) is { } c) values[i] = graph.AddConstant($"c{i}", c);
            else if (inputs[i] is { } t) { values[i] = new Value($"x{i}", t); graph.Inputs.Add(values[i]!); }
        }
        var outs = Enumerable.Range(0, outputs).Select(i => new Value($"y{i}")).ToArray();
        graph.Nodes.Add(new Node(op, values, outs, attrs ?? []));
        graph.Outputs.AddRange(outs);
        new TypeInference().Run(graph);
        return outs.Select(o => o.Type).ToArray();
    }

    private static readonly TensorType BatchBy3By4 = new(DataType.Float32, Shape.Of([Dim.Sym("batch"), Dim.Of(3), Dim.Of(4)]));

    [Fact]
    public void ReduceKeepsSymbolicDimsOfKeptAxes()
    {
        var t = (TensorType)Infer("ReduceSum", [BatchBy3By4, null], [null, L(1)], [A("keepdims", 0L)], opset: 18)[0]!;
        Assert.Equal("f32[batch,4]", t.ToString());
        t = (TensorType)Infer("ReduceMax", [BatchBy3By4], attrs: [A("axes", [-1L])], opset: 13)[0]!;
        Assert.Equal("f32[batch,3,1]", t.ToString());
    }

    [Fact]
    public void ArgMaxIsInt64AndLayerNormStatsFollowStashType()
    {
        Assert.Equal("i64[1,3,4]", Infer("ArgMax", [BatchBy3By4], opset: 13)[0]!.ToString());
        var ln = Infer("LayerNormalization", [BatchBy3By4, new TensorType(DataType.Float32, Shape.Of(4))], attrs: [A("axis", 1L)], opset: 17, outputs: 3);
        Assert.Equal("f32[batch,3,4]", ln[0]!.ToString());
        Assert.Equal("f32[batch,1,1]", ln[1]!.ToString());
        Assert.Equal("f32[batch,1,1]", ln[2]!.ToString());
    }

    [Fact]
    public void LossShapesFollowTheReduction()
    {
        var x = new TensorType(DataType.Float32, Shape.Of([Dim.Sym("n"), Dim.Of(5), Dim.Of(2)]));
        var target = new TensorType(DataType.Int64, Shape.Of([Dim.Sym("n"), Dim.Of(2)]));
        Assert.Equal("f32[]", Infer("SoftmaxCrossEntropyLoss", [x, target], opset: 13)[0]!.ToString());
        Assert.Equal("f32[n,2]", Infer("NegativeLogLikelihoodLoss", [x, target], attrs: [A("reduction", "none")], opset: 13)[0]!.ToString());
        Assert.Equal("f32[batch]", Infer("Det", [new TensorType(DataType.Float32, Shape.Of([Dim.Sym("batch"), Dim.Of(2), Dim.Of(2)]))], opset: 22)[0]!.ToString());
        Assert.Equal("bool[batch,3,4]", Infer("Dropout", [BatchBy3By4], opset: 13, outputs: 2)[1]!.ToString());
    }

    [Fact]
    public void LpNormalizationLeavesAZeroVectorAtZero()
    {
        Close([0.0, 0, 0.6, 0.8], Doubles(Run1("LpNormalization", [F([0, 0, 3, 4], 2, 2)], opset: 22)));
    }
}
