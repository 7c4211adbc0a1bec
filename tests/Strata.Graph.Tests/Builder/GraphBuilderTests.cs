using Strata.Core;
using Strata.Graph.Builder;
using Strata.Graph.Text;

namespace Strata.Graph.Tests.Builder;

public sealed class GraphBuilderTests
{
    private static GraphBuilder New(int opset = 20) => new("g", opset, TestOps.Registry);

    [Fact]
    public void GeneratedNamesAreSequentialAndSkipTakenNames()
    {
        var g = New();
        var x = g.Input("t1", DataType.Float32, 2);
        var a = g.Relu(x);
        var b = g.Neg(a);
        var c = g.Relu(b, name: "mine");
        Assert.Equal(["t0", "t2", "mine"], new[] { a.Name, b.Name, c.Name });
        var e = Assert.Throws<StrataException>(() => g.Relu(c, name: "mine"));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
    }

    [Fact]
    public void TypesAreKnownWhileBuilding()
    {
        var g = New();
        var x = g.Input("x", DataType.Float32, Dim.Sym("n"), 3);
        var w = g.Constant("w", new Tensor<float>([3, 5]));
        var y = g.MatMul(x, w);
        Assert.Equal("f32[n,5]", y.Type!.ToString());
    }

    [Fact]
    public void OperatorsAddNodesWithScalarsOfTheOperandsType()
    {
        var g = New();
        var x = g.Input("x", DataType.Float16, 2);
        var y = g.Input("y", DataType.Float16, 2);
        var r = -(2f - (x + y) * 3f / y);
        var ops = g.Graph.Nodes.Select(n => n.OpType).ToArray();
        Assert.Equal(["Add", "Mul", "Div", "Sub", "Neg"], ops);
        Assert.All(g.Graph.Constants, c => Assert.Equal(DataType.Float16, c.Constant!.DataType));
        Assert.Equal([(Half)3, (Half)2], g.Graph.Constants.Select(c => c.Constant!.As<Half>()[0]).ToArray());
        var sub = g.Graph.Nodes[3];
        Assert.Same(g.Graph.Constants[1], sub.Inputs[0]);   // 2f - v: the scalar is the left operand
        Assert.Equal("f16[2]", r.Type!.ToString());
    }

    [Fact]
    public void OutputRenamesOrAddsIdentity()
    {
        var g = New();
        var x = g.Input("x", DataType.Float32, 2);
        var y = g.Relu(x);
        g.Output(y, "y");
        g.Output(x, "x_out");
        g.Output(y, "y_again");
        var graph = g.Build();
        Assert.Equal(["y", "x_out", "y_again"], graph.Outputs.Select(o => o.Name).ToArray());
        Assert.Equal(["Relu", "Identity", "Identity"], graph.Nodes.Select(n => n.OpType).ToArray());
    }

    [Theory]
    [InlineData(11, "Split(%x) {axis = 1, split = [1, 2] : i64[]}")]
    [InlineData(13, "Split(%x, %t0) {axis = 1}")]
    public void SplitFollowsTheOpset(int opset, string expected)
    {
        var g = New(opset);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var (a, b) = g.Split(x, 1, 1, 2);
        Assert.Contains(expected, GraphPrinter.Print(g.Graph));
        if (opset >= 13) Assert.Equal(["f32[2,1]", "f32[2,2]"], new[] { a.Type!.ToString(), b.Type!.ToString() });
    }

    [Theory]
    [InlineData(17, "ReduceMean(%x) {axes = [1] : i64[], keepdims = 0}")]
    [InlineData(18, "ReduceMean(%x, %t0) {keepdims = 0}")]
    public void ReduceAxesFollowTheOpset(int opset, string expected)
    {
        var g = New(opset);
        g.ReduceMean(g.Input("x", DataType.Float32, 2, 3), [1], keepdims: false);
        Assert.Contains(expected, GraphPrinter.Print(g.Graph));
    }

    [Fact]
    public void GeluIsAnOpFromOpset20AndWrittenOutBefore()
    {
        var g20 = New(20);
        g20.Gelu(g20.Input("x", DataType.Float32, 2));
        Assert.Equal(["Gelu"], g20.Graph.Nodes.Select(n => n.OpType).ToArray());
        var g18 = New(18);
        g18.Gelu(g18.Input("x", DataType.Float32, 2), approximate: "tanh");
        Assert.Contains("Tanh", g18.Graph.Nodes.Select(n => n.OpType));
        Assert.DoesNotContain("Gelu", g18.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void ShapeErrorsFailAtTheOpThatMadeThem()
    {
        var g = New();
        var x = g.Input("x", DataType.Float32, 2, 3);
        var w = g.Input("w", DataType.Float32, 4, 5);
        var e = Assert.Throws<StrataException>(() => g.MatMul(x, w, name: "bad"));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
        Assert.Equal("node 'bad' (MatMul)", e.Location);
        Assert.Empty(g.Graph.Nodes);
    }

    [Fact]
    public void VarsOfUnrelatedBuildersAreRejected()
    {
        var g = New();
        var other = New();
        var x = other.Input("x", DataType.Float32, 2);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => g.Relu(x)).Code);
        var sub = g.Subgraph("body");
        var inner = sub.Input("i", DataType.Float32, 2);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => g.Relu(inner)).Code);
    }

    [Fact]
    public void SubgraphsUseOuterVarsAndInnermostBuilderGetsTheNode()
    {
        var g = New();
        var c = g.Input("c", DataType.Bool);
        var x = g.Input("x", DataType.Float32, 2);
        var then = g.Subgraph("then");
        var local = then.Relu(x);
        var sum = local + x;          // innermost builder of the operands: then
        then.Output(sum, "s");
        var @else = g.Subgraph("else");
        @else.Output(x, "e");        // an outer value gets an Identity in the branch
        var r = g.If(c, then.Build(), @else.Build());
        g.Output(r[0], "y");
        var graph = g.Build();
        Assert.Single(graph.Nodes);
        Assert.Equal(["Relu", "Add"], then.Graph.Nodes.Select(n => n.OpType).ToArray());
        Assert.Equal("Identity", Assert.Single(@else.Graph.Nodes).OpType);
        Assert.Equal("f32[2]", graph.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void GenericOpTakesAttributesDomainAndOutputCount()
    {
        var g = New();
        g.ImportDomain("com.microsoft", 1);
        var x = g.Input("x", DataType.Float32, 2);
        var r = g.Op("FusedThing", [x, null, x], [Attribute.Of("alpha", 0.5f), Attribute.Of("mode", "fast")],
            domain: "com.microsoft", outputs: 2, outputNames: ["a", "b"]);
        Assert.Equal(2, r.Count);
        Assert.Throws<StrataException>(() => { Var v = r; });
        Assert.Equal(
            "%a, %b = com.microsoft::FusedThing(%x, _, %x) {alpha = 0.5, mode = \"fast\"} : ?, ?",
            GraphPrinter.PrintNode(r.Node));
    }

    [Fact]
    public void BuildVerifies()
    {
        var g = New();
        var x = g.Input("x", DataType.Float32, 2);
        g.Output(g.Relu(x), "y");
        g.Graph.Nodes.Insert(0, new Node("Neg", [g.Graph.Outputs[0]], [new Value("early")]));
        var e = Assert.Throws<StrataException>(() => g.Build());
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains("used before it is defined", e.Message);
    }

    [Fact]
    public void CommonOpsMakeTheExpectedNodes()
    {
        var g = New(21);
        var x = g.Input("x", DataType.Float32, 1, 3, 8, 8);
        var w = g.Constant("w", new Tensor<float>([4, 3, 3, 3]));
        var y = g.Conv(x, w, strides: [1, 1], pads: [1, 1, 1, 1]);
        y = g.MaxPool(g.Relu(y), [2, 2], strides: [2, 2]);
        var f = g.Flatten(g.GlobalAveragePool(y));
        var z = g.Gemm(f, g.Constant("fc", new Tensor<float>([4, 2])), transB: false, alpha: 2f);
        var s = g.Softmax(z, axis: 1);
        g.Output(g.Transpose(g.Reshape(s, 2, 1), 1, 0), "out");
        string text = GraphPrinter.Print(g.Graph);
        Assert.Contains("Conv(%x, %w) {pads = [1, 1, 1, 1] : i64[], strides = [1, 1] : i64[]}", text);
        Assert.Contains("MaxPool(%t1) {kernel_shape = [2, 2] : i64[], strides = [2, 2] : i64[]}", text);
        Assert.Contains("Gemm(%t4, %fc) {alpha = 2.0}", text);
        Assert.Contains("Softmax(%t5) {axis = 1}", text);
        Assert.Contains("Transpose(%t8) {perm = [1, 0] : i64[]}", text);
        Assert.Equal(text, GraphPrinter.Print(GraphParser.Parse(text)));
    }
}

/// <summary>The builder with the built-in ops: the graph it makes runs in the reference interpreter and gives
/// what a direct computation gives.</summary>
public sealed class GraphBuilderWithBuiltinOpsTests
{
    [Theory]
    [InlineData(18)]   // Gelu written out with Erf
    [InlineData(20)]   // Gelu as an op
    public void MlpRunsAndMatchesADirectComputation(int opset)
    {
        const int n = 3, k = 4, m = 5;
        var w = SampleWeights(k * m, 0.1f);
        var b = SampleWeights(m, 0.3f);
        var g = new GraphBuilder("mlp", opset);
        var x = g.Input("x", DataType.Float32, Dim.Sym("batch"), k);
        var y = g.Gelu(g.MatMul(x, g.Constant("w", Tensor<float>.FromArray(w, k, m))) + g.Constant("b", Tensor<float>.FromArray(b, m))) * 2f;
        g.Output(y, "y");
        var graph = g.Build();
        Assert.Equal("f32[batch,5]", graph.Outputs[0].Type!.ToString());

        var input = SampleWeights(n * k, 0.7f);
        var result = new GraphInterpreter().Run(graph, new Dictionary<string, RuntimeValue> { ["x"] = Tensor<float>.FromArray(input, n, k) });
        var actual = ((Tensor<float>)result["y"]!).ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = b[j];
                for (int q = 0; q < k; q++) s += input[i * k + q] * w[q * m + j];
                double gelu = 0.5 * s * (1 + Erf(s / Math.Sqrt(2)));
                Assert.Equal(2 * gelu, actual[i * m + j], 4);
            }
    }

    private static float[] SampleWeights(int count, float scale) =>
        Enumerable.Range(0, count).Select(i => ((i * 7 % 11) - 5) * scale).ToArray();

    /// <summary>erf by Abramowitz and Stegun 7.1.26 (error below 1.5e-7), independent of the ops under test.</summary>
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double r = 1 - poly * Math.Exp(-x * x);
        return x < 0 ? -r : r;
    }
}
