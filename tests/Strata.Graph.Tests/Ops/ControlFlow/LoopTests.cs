using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.ControlFlow;

public class LoopTests
{
    /// <summary>Body: x_out = x + i; cond_out = i &lt; stopBelow; scan output = x_out.</summary>
    private static Graph Body(long stopBelow)
    {
        var body = new Graph("body");
        var i = new Value("i", Type(DataType.Int64));
        var cond = new Value("cond_in", Type(DataType.Bool));
        var x = new Value("x", Type(DataType.Float32, 1));
        body.Inputs.AddRange([i, cond, x]);
        var limit = body.AddConstant("limit", S(stopBelow));
        var condOut = new Value("cond_out", Type(DataType.Bool));
        var xOut = new Value("x_out", Type(DataType.Float32, 1));
        var scan = new Value("scan", Type(DataType.Float32, 1));
        body.Nodes.Add(TestNode("Less", [i, limit], [condOut]));
        body.Nodes.Add(TestNode("Add", [x, i], [xOut]));
        body.Nodes.Add(TestNode("Identity", [xOut], [scan]));
        body.Outputs.AddRange([condOut, xOut, scan]);
        return body;
    }

    private static IReadOnlyList<RuntimeValue?> Loop(long? trips, bool? cond, long stopBelow = long.MaxValue) =>
        RunNode("Loop", [trips is { } m ? S(m) : null, cond is { } c ? S(c) : null, T([1f], 1)], outputs: 2,
            attributes: [Attribute.Of("body", Body(stopBelow))]);

    [Fact]
    public void CarriesValuesAndStacksScanOutputs()
    {
        var r = Loop(4, true);
        // x: 1, then +0, +1, +2, +3.
        Assert.Equal([7f], ((Tensor<float>)r[0]!).ToArray());
        var scan = (Tensor<float>)r[1]!;
        Assert.Equal([4, 1], scan.Shape);
        Assert.Equal([1f, 2f, 4f, 7f], scan.ToArray());
    }

    [Fact]
    public void StopsWhenTheBodyConditionIsFalse()
    {
        // cond_out = i < 2 is false after the iteration with i = 2: three iterations.
        var r = Loop(10, true, stopBelow: 2);
        Assert.Equal([4f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([3, 1], ((Tensor)r[1]!).Shape);
    }

    [Fact]
    public void WithoutTripCountRunsUntilTheCondition()
    {
        var r = Loop(null, true, stopBelow: 0);
        Assert.Equal([1f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([1, 1], ((Tensor)r[1]!).Shape);
    }

    [Fact]
    public void WithoutConditionInputTheBodyConditionIsIgnored()
    {
        var r = Loop(3, null, stopBelow: 0);
        Assert.Equal([4f], ((Tensor<float>)r[0]!).ToArray());
    }

    [Fact]
    public void ZeroIterationsGiveTheInitialValuesAndEmptyScans()
    {
        var r = Loop(0, true);
        Assert.Equal([1f], ((Tensor<float>)r[0]!).ToArray());
        var scan = (Tensor)r[1]!;
        Assert.Equal(DataType.Float32, scan.DataType);
        Assert.Equal([0, 1], scan.Shape);
    }

    [Fact]
    public void FalseInitialConditionRunsNothing()
    {
        var r = Loop(5, false);
        Assert.Equal([1f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([0, 1], ((Tensor)r[1]!).Shape);
    }

    [Fact]
    public void InfersOutputTypesFromTheBody()
    {
        var types = InferNode("Loop", [Type(DataType.Int64), Type(DataType.Bool), Type(DataType.Float32, 1)], outputs: 2,
            attributes: [Attribute.Of("body", Body(long.MaxValue))]);
        Assert.Equal(Type(DataType.Float32, 1), types[0]);
        Assert.Equal(new TensorType(DataType.Float32, Shape.Of([Dim.Unknown, Dim.Of(1)])), types[1]);
    }

    [Fact]
    public void CarriesSequences()
    {
        // Body appends the iteration number to a carried sequence.
        var body = new Graph("body");
        var i = new Value("i", Type(DataType.Int64));
        var cond = new Value("c", Type(DataType.Bool));
        var seq = new Value("s", new SequenceType(new TensorType(DataType.Int64, null)));
        body.Inputs.AddRange([i, cond, seq]);
        var condOut = new Value("c_out");
        var seqOut = new Value("s_out");
        body.Nodes.Add(TestNode("Identity", [cond], [condOut]));
        body.Nodes.Add(new Node("SequenceInsert", [seq, i], [seqOut]));
        body.Outputs.AddRange([condOut, seqOut]);
        var empty = new TensorSequence(new TensorType(DataType.Int64, null), []);
        var r = (TensorSequence)RunNode("Loop", [S(3L), S(true), empty], attributes: [Attribute.Of("body", body)])[0]!;
        Assert.Equal([0L, 1, 2], r.Items.Select(t => ((Tensor<long>)t)[0]).ToArray());
    }
}
