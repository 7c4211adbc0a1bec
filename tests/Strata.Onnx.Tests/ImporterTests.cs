using Strata.Core;
using Strata.Graph;
using Strata.Onnx.Protos;
using static Strata.Onnx.Tests.ModelBuilder;

namespace Strata.Onnx.Tests;

public sealed class ImporterTests
{
    private const int F32 = (int)TensorProto.Types.DataType.Float;
    private static readonly OnnxImportOptions NoInference = new() { InferTypes = false };

    private static Graph.Graph Load(ModelProto m) => OnnxImporter.Load(m.Bytes(), null, NoInference);

    [Fact]
    public void InputsNodesOutputs_AndDeclaredTypes()
    {
        var g = GraphOf("main", [Tensor("x", F32, "N", 3, null!)], [Tensor("y", F32, "N", 3, null!)],
            Node("Relu", ["x"], ["t"]), Node("Neg", ["t"], ["y"]));
        g.ValueInfo.Add(Tensor("t", F32, "N", 3, null!));
        var m = Model(g);
        m.OpsetImport[0].Domain = "ai.onnx";
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example", Version = 2 });
        var graph = Load(m);

        Assert.Equal("main", graph.Name);
        Assert.Equal(17, graph.Opset(""));
        Assert.Equal(2, graph.Opset("com.example"));
        var x = Assert.Single(graph.Inputs);
        Assert.Equal(new TensorType(DataType.Float32, Shape.Of([Dim.Sym("N"), Dim.Of(3), Dim.Unknown])), x.Type);
        Assert.Equal(2, graph.Nodes.Count);
        Assert.Same(x, graph.Nodes[0].Inputs[0]);
        Assert.Same(graph.Nodes[0].Outputs[0], graph.Nodes[1].Inputs[0]);
        Assert.Equal("f32[N,3,?]", graph.Nodes[0].Outputs[0]!.Type!.ToString());
        Assert.Same(graph.Nodes[1].Outputs[0], Assert.Single(graph.Outputs));
        Assert.Equal("8", graph.Metadata["onnx.ir_version"]);
    }

    [Fact]
    public void EmptyNames_AreOmittedOperands()
    {
        var g = GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], Node("Clip", ["x", "", "x"], ["y", ""]));
        var node = Load(Model(g)).Nodes[0];
        Assert.Equal(3, node.Inputs.Length);
        Assert.Null(node.Inputs[1]);
        Assert.NotNull(node.Inputs[2]);
        Assert.Null(node.Outputs[1]);
    }

    [Fact]
    public void Initializers_AreConstants_EvenWhenListedAsInputs()
    {
        var g = GraphOf("g", [Tensor("x", F32, 2), Tensor("w", F32, 2)], [Tensor("y", F32, 2)], Node("Add", ["x", "w"], ["y"]));
        g.Initializer.Add(FloatTensor("w", [1f, 2f], 2));
        var graph = Load(Model(g));
        Assert.Equal("x", Assert.Single(graph.Inputs).Name);
        var w = Assert.Single(graph.Constants);
        Assert.Equal([1f, 2f], w.Constant!.As<float>().ToArray());
        Assert.Same(w, graph.Nodes[0].Inputs[1]);

        // The interpreter lets a caller override the constant by name.
        var ext = new ExtensionRegistry();
        ext.AddOp(new OpSchema("", "Add", null, c =>
        {
            var a = c.Input<float>(0);
            var b = c.Input<float>(1);
            var r = new Tensor<float>(a.Shape);
            for (int i = 0; i < r.Length; i++) r[i] = a[i] + b[i];
            return [r];
        }));
        var interp = new GraphInterpreter(new OpRegistry(ext));
        var x = Tensor<float>.FromArray([10f, 20f], 2);
        Assert.Equal([11f, 22f], ((Tensor<float>)interp.Run(graph, new Dictionary<string, RuntimeValue> { ["x"] = x })["y"]!).ToArray());
        var w2 = Tensor<float>.FromArray([5f, 5f], 2);
        Assert.Equal([15f, 25f], ((Tensor<float>)interp.Run(graph, new Dictionary<string, RuntimeValue> { ["x"] = x, ["w"] = w2 })["y"]!).ToArray());
    }

    [Fact]
    public void Subgraphs_ReadOuterValues()
    {
        var then = GraphOf("then", [], [Tensor("a", F32, 2)], Node("Relu", ["x"], ["a"]));
        var @else = GraphOf("else", [], [Tensor("b", F32, 2)], Node("Neg", ["x"], ["b"]));
        var g = GraphOf("g", [Tensor("c", 9), Tensor("x", F32, 2)], [Tensor("y", F32, 2)],
            Node("If", ["c"], ["y"], ModelBuilder.Graph("then_branch", then), ModelBuilder.Graph("else_branch", @else)));
        var graph = Load(Model(g, 11));
        var x = graph.Inputs[1];
        var ifNode = graph.Nodes[0];
        var thenGraph = ifNode.Attr("then_branch")!.AsGraph();
        Assert.Same(x, thenGraph.Nodes[0].Inputs[0]);
        Assert.Same(graph.OpsetImports, thenGraph.OpsetImports);
        Assert.Equal(11, thenGraph.Opset());
        Assert.Same(x, ifNode.Attr("else_branch")!.AsGraph().Nodes[0].Inputs[0]);
    }

    [Fact]
    public void NodesOutOfOrder_AreSorted()
    {
        var g = GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], Node("Neg", ["t"], ["y"]), Node("Relu", ["x"], ["t"]));
        var graph = Load(Model(g));
        Assert.Equal(["Relu", "Neg"], graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void LocalFunctions_AreInlined_WithAttributeReferences()
    {
        // y = Scale(x, alpha=3) where Scale(a) = Mul(a, Constant(value_float=alpha)); Scale has a default for beta.
        var f = new FunctionProto { Name = "Scale", Domain = "local", Input = { "a" }, Output = { "b" }, Attribute = { "alpha" } };
        f.AttributeProto.Add(Float("beta", 0.5f));
        f.Node.Add(Node("Constant", [], ["k"], Ref("value_float", "alpha", AttributeProto.Types.AttributeType.Float)));
        f.Node.Add(Node("Mul", ["a", "k"], ["m"]));
        f.Node.Add(Node("LeakyRelu", ["m"], ["b"], Ref("alpha", "beta", AttributeProto.Types.AttributeType.Float),
            Ref("unset", "gamma", AttributeProto.Types.AttributeType.Float)));
        f.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        var call = new NodeProto { OpType = "Scale", Domain = "local", Input = { "x" }, Output = { "y" }, Attribute = { Float("alpha", 3f) } };
        var g = GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], call, new NodeProto { OpType = "Scale", Domain = "local", Input = { "y" }, Output = { "z" } });
        g.Output.Add(Tensor("z", F32, 2));
        var m = Model(g);
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "local", Version = 1 });
        m.Functions.Add(f);
        var graph = Load(m);

        Assert.Equal(["Constant", "Mul", "LeakyRelu", "Constant", "Mul", "LeakyRelu"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal(3f, graph.Nodes[0].GetFloat("value_float", 0));
        Assert.False(graph.Nodes[3].Attributes.ContainsKey("value_float")); // the second call sets no alpha
        Assert.Equal(0.5f, graph.Nodes[2].GetFloat("alpha", 0));             // default from the function
        Assert.False(graph.Nodes[2].Attributes.ContainsKey("unset"));
        Assert.Same(graph.Inputs[0], graph.Nodes[1].Inputs[0]);
        Assert.Equal("y", graph.Nodes[2].Outputs[0]!.Name);
        Assert.Same(graph.Nodes[2].Outputs[0], graph.Nodes[4].Inputs[0]);
        Assert.NotEqual(graph.Nodes[0].Outputs[0]!.Name, graph.Nodes[3].Outputs[0]!.Name); // internals renamed per call
        Assert.Same(graph.Outputs[1], graph.Nodes[5].Outputs[0]);
    }

    [Fact]
    public void AttributesOfEveryKind()
    {
        var t = FloatTensor("", [1f, 2f], 2);
        var node = Node("Foo", ["x"], ["y"],
            Int("i", 7), Float("f", 1.5f),
            new AttributeProto { Name = "s", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("héllo") },
            new AttributeProto { Name = "t", Type = AttributeProto.Types.AttributeType.Tensor, T = t },
            new AttributeProto { Name = "is", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 2 } },
            new AttributeProto { Name = "fs", Type = AttributeProto.Types.AttributeType.Floats, Floats = { 0.5f } },
            new AttributeProto { Name = "ss", Type = AttributeProto.Types.AttributeType.Strings, Strings = { Google.Protobuf.ByteString.CopyFromUtf8("a") } },
            new AttributeProto { Name = "tp", Type = AttributeProto.Types.AttributeType.TypeProto, Tp = Tensor("", 7, 3).Type },
            new AttributeProto { Name = "old", I = 5 }); // IR 1 style: no type field
        var g = GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], node);
        var n = Load(Model(g)).Nodes[0];
        Assert.Equal(7, n.GetInt("i", 0));
        Assert.Equal(1.5f, n.GetFloat("f", 0));
        Assert.Equal("héllo", n.GetString("s", ""));
        Assert.Equal([1f, 2f], n.Attr("t")!.AsTensor().As<float>().ToArray());
        Assert.Equal([1L, 2L], n.GetInts("is")!);
        Assert.Equal([0.5f], n.GetFloats("fs")!);
        Assert.Equal(["a"], n.GetStrings("ss")!);
        Assert.Equal(new TensorType(DataType.Int64, Shape.Of(3L)), n.Attr("tp")!.Value);
        Assert.Equal(5, n.GetInt("old", 0));
    }

    [Fact]
    public void SparseInitializer_IsDensified()
    {
        var g = GraphOf("g", [], [Tensor("s", F32, 2, 3)]);
        var values = FloatTensor("s", [5f, 6f], 2);
        var indices = new TensorProto { DataType = 7, Dims = { 2, 2 }, Int64Data = { 0, 1, 1, 2 } };
        g.SparseInitializer.Add(new SparseTensorProto { Values = values, Indices = indices, Dims = { 2, 3 } });
        var c = Assert.Single(Load(Model(g)).Constants);
        Assert.Equal([0f, 5f, 0f, 0f, 0f, 6f], c.Constant!.As<float>().ToArray());
    }

    [Fact]
    public void SequenceAndOptionalTypes()
    {
        var seq = new ValueInfoProto { Name = "s", Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = Tensor("", F32, 2).Type } } };
        var opt = new ValueInfoProto { Name = "o", Type = new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = seq.Type } } };
        var g = GraphOf("g", [seq], [opt], Node("Optional", ["s"], ["o"]));
        var graph = Load(Model(g));
        Assert.Equal("seq<f32[2]>", graph.Inputs[0].Type!.ToString());
        Assert.Equal("opt<seq<f32[2]>>", graph.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void AllConformanceModels_Import()
    {
        if (TestSuite.NodeDirectory() is not { } dir) return;
        var failures = new List<string>();
        foreach (var model in Directory.EnumerateDirectories(dir).Select(d => Path.Combine(d, "model.onnx")).Where(File.Exists))
        {
            try { OnnxImporter.Load(model, NoInference); }
            catch (StrataException e) { failures.Add($"{model}: {e.ToDiagnosticString()}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
