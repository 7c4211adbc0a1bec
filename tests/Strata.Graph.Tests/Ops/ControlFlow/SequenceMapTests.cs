using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.ControlFlow;

public class SequenceMapTests
{
    [Fact]
    public void MapsEachItemWithTensorInputsPassedWhole()
    {
        var body = new Graph("body");
        var item = new Value("item", new TensorType(DataType.Float32, Shape.Of([Dim.Unknown])));
        var add = new Value("add", Type(DataType.Float32, 1));
        body.Inputs.AddRange([item, add]);
        var o = new Value("o");
        body.Nodes.Add(TestNode("Add", [item, add], [o]));
        body.Outputs.Add(o);
        var seq = new TensorSequence(new TensorType(DataType.Float32, null), [T([1f, 2f], 2), T([3f], 1)]);
        var r = (TensorSequence)RunNode("SequenceMap", [seq, T([10f], 1)], attributes: [Attribute.Of("body", body)])[0]!;
        Assert.Equal(2, r.Count);
        Assert.Equal([11f, 12f], ((Tensor<float>)r.Items[0]).ToArray());
        Assert.Equal([13f], ((Tensor<float>)r.Items[1]).ToArray());
    }

    [Fact]
    public void SequenceInputsMustHaveEqualLengths()
    {
        var body = new Graph("body");
        var a = new Value("a");
        var b = new Value("b");
        body.Inputs.AddRange([a, b]);
        var o = new Value("o");
        body.Nodes.Add(TestNode("Add", [a, b], [o]));
        body.Outputs.Add(o);
        var s1 = new TensorSequence(new TensorType(DataType.Float32, null), [T([1f], 1)]);
        var s2 = new TensorSequence(new TensorType(DataType.Float32, null), [T([1f], 1), T([2f], 1)]);
        var e = Assert.Throws<StrataException>(() => RunNode("SequenceMap", [s1, s2], attributes: [Attribute.Of("body", body)]));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }
}
