using Strata.Core;
using Strata.Graph.Builder;
using Strata.Graph.Text;

namespace Strata.Graph.Tests.Text;

/// <summary>The graphs behind the golden files: builder-made where the builder can say it, hand-built IR for
/// what it cannot (omitted outputs, odd names, every attribute kind).</summary>
public static class SampleGraphs
{
    public static Tensor<float> Ramp(float step, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = (i % 7 - 3) * step;
        return t;
    }

    /// <summary>gelu(x·W1 + b1)·W2 + b2 with a symbolic batch dim, opset 20 (Gelu is an op).</summary>
    public static Graph Mlp()
    {
        var g = new GraphBuilder("mlp", opset: 20, registry: TestOps.Registry);
        var x = g.Input("x", DataType.Float32, Dim.Sym("batch"), 4);
        var w1 = g.Constant("w1", Ramp(0.25f, 4, 8));
        var b1 = g.Constant("b1", Ramp(0.5f, 8));
        var w2 = g.Constant("w2", Ramp(0.125f, 8, 4));
        var b2 = g.Constant("b2", Ramp(1f, 4));
        var h = g.Gelu(g.MatMul(x, w1) + b1);
        var y = g.MatMul(h, w2) + b2;
        g.Output(y, "y");
        return g.Build();
    }

    /// <summary>Gelu at opset 18, where the builder writes it out with Erf.</summary>
    public static Graph GeluOpset18()
    {
        var g = new GraphBuilder("gelu18", opset: 18, registry: TestOps.Registry);
        var x = g.Input("x", DataType.Float16, 2, 3);
        g.Output(g.Gelu(x), "y");
        return g.Build();
    }

    /// <summary>If with branches that use outer values, and an If nested in the then branch.</summary>
    public static Graph SubgraphIf()
    {
        var g = new GraphBuilder("branchy", opset: 20, registry: TestOps.Registry);
        var c = g.Input("cond", DataType.Bool);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var scale = g.Constant("scale", Ramp(2f, 1));

        var then = g.Subgraph("then");
        var inner = then.Relu(x);
        var innerThen = then.Subgraph("then_then");
        innerThen.Output(innerThen.Sigmoid(inner), "tt");
        var innerElse = then.Subgraph("then_else");
        innerElse.Output(innerElse.Mul(inner, scale), "te");
        var nested = then.If(c, innerThen.Build(), innerElse.Build());
        then.Output(nested[0], "t_out");

        var @else = g.Subgraph("else");
        // Operators add nodes to the innermost builder of their operands: negate in the branch, so that
        // "* 2f" goes there too (on x directly it would go to the outer graph).
        var negated = @else.Neg(x);
        @else.Output(negated * 2f, "e_out");

        var r = g.If(c, then.Build(), @else.Build());
        g.Output(r[0], "y");
        return g.Build();
    }

    /// <summary>Sequence and optional types as graph inputs, outputs and node results.</summary>
    public static Graph Sequences()
    {
        var g = new GraphBuilder("sequences", opset: 18, registry: TestOps.Registry);
        var a = g.Input("a", DataType.Float32, 3);
        var b = g.Input("b", DataType.Float32, 3);
        var extra = g.Input("extra", new SequenceType(new TensorType(DataType.Int64, null)));
        var maybe = g.Input("maybe", new OptionalType(new SequenceType(new TensorType(DataType.Float32, Shape.Of(3)))));
        var s = g.Op("SequenceConstruct", [a, b]);
        var first = g.Op("SequenceAt", [s, g.Scalar(0, DataType.Int64)]);
        var opt = g.Op("Optional", [first]);
        g.Outputs(s, first, opt, extra, maybe);
        return g.Build();
    }

    /// <summary>Omitted optional inputs and outputs (`_`), hand-built.</summary>
    public static Graph OptionalOmitted()
    {
        var g = new Graph("omitted") { OpsetImports = new() { [""] = 22 } };
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(2, 2)));
        var hi = new Value("hi", new TensorType(DataType.Float32, Shape.Scalar));
        g.Inputs.Add(x);
        g.Inputs.Add(hi);
        var clipped = new Value("clipped", x.Type);
        g.Nodes.Add(new Node("Clip", [x, null, hi], [clipped]));
        var mask = new Value("mask", new TensorType(DataType.Bool, Shape.Of(2, 2)));
        g.Nodes.Add(new Node("Dropout", [clipped, null, null], [null, mask]));
        var y = new Value("y", x.Type);
        g.Nodes.Add(new Node("LayerNormalization", [clipped, x, null], [y, null, null], [Attribute.Of("epsilon", 1e-5f)]));
        g.Outputs.Add(y);
        g.Outputs.Add(mask);
        return g;
    }

    /// <summary>Known, symbolic (bare and quoted) and unknown dims, unknown rank, unknown element type, unknown type.</summary>
    public static Graph SymbolicDims()
    {
        var g = new Graph("symbolic") { OpsetImports = new() { [""] = 21 } };
        Value In(string name, Core.ValueType? t) { var v = new Value(name, t); g.Inputs.Add(v); return v; }
        var a = In("a", new TensorType(DataType.Float32, Shape.Of(new[] { Dim.Sym("batch"), Dim.Unknown, Dim.Of(768) })));
        In("b", new TensorType(DataType.Float32, null));
        In("c", new TensorType(DataType.Undefined, Shape.Of(3)));
        In("d", null);
        In("e", new TensorType(DataType.Int64, Shape.Scalar));
        In("f", new TensorType(DataType.Float64, Shape.Of(new[] { Dim.Sym("seq len"), Dim.Sym("n.2"), Dim.Sym("_"), Dim.Sym("3d"), Dim.Of(0) })));
        In("g", new TensorType(DataType.Undefined, null));
        var r = new Value("r", a.Type);
        g.Nodes.Add(new Node("Relu", [a], [r]));
        var u = new Value("u", null);
        g.Nodes.Add(new Node("Unknown", [r], [u], domain: "com.example"));
        g.Outputs.Add(r);
        g.Outputs.Add(u);
        return g;
    }

    /// <summary>One node with every attribute kind, including awkward floats and strings.</summary>
    public static Graph AttributeKinds()
    {
        var g = new Graph("attrs") { OpsetImports = new() { [""] = 21, ["com.example"] = 1 } };
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(2)));
        g.Inputs.Add(x);

        var half = Tensor<Half>.FromArray([(Half)1.5f, Half.NegativeInfinity, Half.NaN], 3);
        var bf = Tensor<BFloat16>.FromArray([(BFloat16)3.25f, new BFloat16(0x7FC1)], 2);
        var i4 = Tensor<Int4>.FromArray([new Int4(-8), new Int4(7), new Int4(0), new Int4(-1)], 2, 2);
        var u4 = Tensor<UInt4>.FromArray([new UInt4(15), new UInt4(1)], 2);
        var f8 = Tensor<Float8E4M3FN>.FromArray([new Float8E4M3FN(0x7F), new Float8E4M3FN(0x01)], 2);
        var b = Tensor<bool>.FromArray([true, false, true], 3);
        var s = Tensor<string>.FromArray(["a", "", "quote \" and \\ and \n", "ünïcødé ∑"], 2, 2);
        var scalar = Tensor<long>.Scalar(-42);
        var empty = new Tensor<float>([0]);
        var f64 = Tensor<double>.FromArray([Math.PI, -0.0, double.Epsilon], 3);

        var sub1 = new Graph("body") { OpsetImports = g.OpsetImports };
        var bx = new Value("bx", new TensorType(DataType.Float32, Shape.Of(2)));
        sub1.Inputs.Add(bx);
        var by = new Value("by", bx.Type);
        sub1.Nodes.Add(new Node("Neg", [bx], [by]));
        sub1.Outputs.Add(by);
        var sub2 = new Graph("other") { OpsetImports = new() { [""] = 13 } };
        var oc = new Value("oc", scalar.Type, scalar);
        sub2.Constants.Add(oc);
        sub2.Outputs.Add(oc);
        var sub3 = new Graph("passthrough") { OpsetImports = g.OpsetImports };
        sub3.Outputs.Add(x);

        var attrs = new List<Attribute>
        {
            Attribute.Of("i_zero", 0L), Attribute.Of("i_neg", -1L), Attribute.Of("i_max", long.MaxValue), Attribute.Of("i_min", long.MinValue),
            Attribute.Of("f_one", 1f), Attribute.Of("f_negzero", -0f), Attribute.Of("f_tiny", float.Epsilon), Attribute.Of("f_max", float.MaxValue),
            Attribute.Of("f_third", 1f / 3f), Attribute.Of("f_big", 1e20f), Attribute.Of("f_inf", float.PositiveInfinity),
            Attribute.Of("f_neginf", float.NegativeInfinity), Attribute.Of("f_nan", float.NaN),
            Attribute.Of("f_nan_payload", BitConverter.UInt32BitsToSingle(0x7FC00123)),
            Attribute.Of("s_empty", ""), Attribute.Of("s_escapes", "tab\tnl\nquote\"bs\\ctl\u0001del\u007F"),
            Attribute.Of("s_unicode", "größe → ∑ 日本"), Attribute.Of("s_surrogate", "lone \uD800 high"),
            Attribute.Of("ints", new long[] { 1, -2, 3 }), Attribute.Of("ints_empty", Array.Empty<long>()),
            Attribute.Of("floats", new[] { 0.5f, -0f, float.NaN, 1e-7f }), Attribute.Of("floats_empty", Array.Empty<float>()),
            Attribute.Of("strings", new[] { "a", "b c", "" }), Attribute.Of("strings_empty", Array.Empty<string>()),
            Attribute.Of("t_f16", half), Attribute.Of("t_bf16", bf), Attribute.Of("t_i4", i4), Attribute.Of("t_u4", u4),
            Attribute.Of("t_f8", f8), Attribute.Of("t_bool", b), Attribute.Of("t_str", s), Attribute.Of("t_scalar", scalar),
            Attribute.Of("t_empty", empty), Attribute.Of("t_f64", f64),
            new("tensors", AttributeKind.Tensors, new Tensor[] { scalar, b }),
            new("tensors_empty", AttributeKind.Tensors, Array.Empty<Tensor>()),
            Attribute.Of("g", sub1),
            new("graphs", AttributeKind.Graphs, new[] { sub2, sub3 }),
            new("graphs_empty", AttributeKind.Graphs, Array.Empty<Graph>()),
            new("type", AttributeKind.Type, new SequenceType(new OptionalType(new TensorType(DataType.Int64, null)))),
            new("types", AttributeKind.Types, new Core.ValueType[] { new TensorType(DataType.Float32, Shape.Of(2)), new TensorType(DataType.String, Shape.Scalar) }),
            new("types_empty", AttributeKind.Types, Array.Empty<Core.ValueType>()),
            Attribute.Of("name with space", 1L), Attribute.Of("_", 2L),
        };
        var y = new Value("y", x.Type);
        g.Nodes.Add(new Node("Everything", [x], [y], attrs, domain: "com.example"));
        g.Outputs.Add(y);
        return g;
    }

    /// <summary>Metadata, names that need quoting, domains, node names.</summary>
    public static Graph NamesAndMetadata()
    {
        var g = new Graph("torch-jit export/1") { OpsetImports = new() { [""] = 17, ["com.microsoft"] = 1, ["ai.onnx.ml"] = 3 } };
        g.Metadata["ir_version"] = "8";
        g.Metadata["producer_name"] = "pytorch";
        g.Metadata["doc string"] = "line one\nline two";
        var x = new Value("input:0", new TensorType(DataType.Float32, Shape.Of(1, 4)));
        g.Inputs.Add(x);
        var w = new Value("onnx::MatMul_12", null, Ramp(1f, 4, 4));
        g.Constants.Add(w);
        var h = new Value("/fc/MatMul_output_0", new TensorType(DataType.Float32, Shape.Of(1, 4)));
        g.Nodes.Add(new Node("MatMul", [x, w], [h], name: "/fc/MatMul"));
        var f = new Value("0", h.Type);
        g.Nodes.Add(new Node("FusedGelu", [h], [f], domain: "com.microsoft", name: "fused \"gelu\""));
        var z = new Value("z", new TensorType(DataType.Int64, Shape.Of(1)));
        g.Nodes.Add(new Node("LabelEncoder", [f], [z], [Attribute.Of("default_int64", -1L)], domain: "ai.onnx.ml"));
        var weird = new Value("a b", new TensorType(DataType.Int64, Shape.Of(1)));
        g.Nodes.Add(new Node("odd op/type", [z], [weird], domain: "my domain"));
        g.Outputs.Add(weird);
        g.Outputs.Add(f);
        return g;
    }

    /// <summary>A graph whose large constants print elided with <see cref="ElidedOptions"/>.</summary>
    public static Graph Elided()
    {
        var g = new GraphBuilder("elided", opset: 20, registry: TestOps.Registry);
        var x = g.Input("x", DataType.Float32, 2, 16);
        var w = g.Constant("w", Ramp(0.5f, 16, 16));
        var b = g.Constant("b", Ramp(0.5f, 16));
        var small = g.Constant("small", Ramp(1f, 2));
        var tokens = g.Constant("tokens", new Tensor<string>(Enumerable.Range(0, 20).Select(i => "tok" + i).ToArray(), [20]));
        g.Output(g.MatMul(x, w) + b, "y");
        g.Outputs(small, tokens);
        return g.Build();
    }

    public static readonly GraphPrinterOptions ElidedOptions = new() { ElideConstantsLargerThan = 8 };
}
