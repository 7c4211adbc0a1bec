using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.ControlFlow;

public class IfTests
{
    /// <summary>A graph: If(cond) with branches that return outer-scope values a and b (through Identity).</summary>
    private static (Graph Graph, Value Cond) Build(Core.ValueType? thenType = null)
    {
        var g = new Graph("if");
        var cond = new Value("cond", Type(DataType.Bool));
        var a = g.AddConstant("a", T([1f, 2f], 2));
        var b = g.AddConstant("b", T([3f, 4f, 5f], 3));
        g.Inputs.Add(cond);
        Graph Branch(string name, Value source)
        {
            var branch = new Graph(name);
            var o = new Value(name + "_out", thenType ?? source.Type);
            branch.Nodes.Add(TestNode("Identity", [source], [o]));
            branch.Outputs.Add(o);
            return branch;
        }
        var y = new Value("y");
        g.Nodes.Add(new Node("If", [cond], [y], [Attribute.Of("then_branch", Branch("then", a)), Attribute.Of("else_branch", Branch("else", b))]));
        g.Outputs.Add(y);
        return (g, cond);
    }

    [Theory]
    [InlineData(true, new[] { 1f, 2f })]
    [InlineData(false, new[] { 3f, 4f, 5f })]
    public void RunsTheBranchTheConditionPicks(bool cond, float[] expected)
    {
        var (g, _) = Build();
        var y = new GraphInterpreter(Registry).Run(g, new Dictionary<string, RuntimeValue> { ["cond"] = S(cond) })["y"];
        Assert.Equal(expected, ((Tensor<float>)y!).ToArray());
    }

    [Fact]
    public void ConditionMustHaveOneElement()
    {
        var (g, _) = Build();
        var e = Assert.Throws<StrataException>(() =>
            new GraphInterpreter(Registry).Run(g, new Dictionary<string, RuntimeValue> { ["cond"] = T([true, false], 2) }));
        Assert.Equal(ErrorCode.InvalidShape, e.Code);
    }

    [Fact]
    public void OutputTypeUnitesTheBranches()
    {
        var (g, _) = Build();
        new TypeInference(Registry).Run(g);
        Assert.Equal(new TensorType(DataType.Float32, Shape.Of([Dim.Unknown])), g.Outputs[0].Type);
    }
}
