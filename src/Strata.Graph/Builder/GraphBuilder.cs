using Strata.Core;
using Strata.Graph.Verification;

namespace Strata.Graph.Builder;

/// <summary>Builds a level-0 graph from C#:
/// <code>
/// var g = new GraphBuilder("mlp", opset: 18);
/// var x = g.Input("x", DataType.Float32, 128, 768);
/// var w = g.Constant("w1", weights);
/// var y = g.Gelu(g.MatMul(x, w) + b);
/// g.Output(y, "y");
/// Graph graph = g.Build();
/// </code>
/// Each node's types are inferred as it is added (so <see cref="Var.Type"/> is known while building, and a bad
/// shape fails at the line that made it). Generated names are <c>t0</c>, <c>t1</c>, … in creation order, skipping
/// names already taken. <see cref="Build"/> runs <see cref="TypeInference"/> and <see cref="GraphVerifier"/>.
/// Subgraphs (If/Loop/Scan bodies) are built with <see cref="Subgraph"/>; they may use the parent's Vars.</summary>
public sealed partial class GraphBuilder
{
    private readonly GraphBuilder? _parent;
    private readonly HashSet<string> _names;
    private readonly Counter _counter;

    private sealed class Counter { public int Next; }

    /// <param name="name">The graph's name.</param>
    /// <param name="opset">The default-domain (ONNX) opset version the graph imports.</param>
    /// <param name="registry">Ops for type inference and verification (default: the built-in ops).</param>
    public GraphBuilder(string name, int opset = OpsetDefaults.Latest, OpRegistry? registry = null)
    {
        Graph = new Graph(name) { OpsetImports = new Dictionary<string, int>(StringComparer.Ordinal) { [""] = opset } };
        Registry = registry ?? OpRegistry.Default;
        _names = new HashSet<string>(StringComparer.Ordinal);
        _counter = new Counter();
    }

    private GraphBuilder(string name, GraphBuilder parent)
    {
        _parent = parent;
        Graph = new Graph(name) { OpsetImports = parent.Graph.OpsetImports };
        Registry = parent.Registry;
        _names = parent._names;
        _counter = parent._counter;
    }

    /// <summary>The graph under construction (the same object <see cref="Build"/> returns).</summary>
    public Graph Graph { get; }

    public OpRegistry Registry { get; }

    /// <summary>The default-domain opset version.</summary>
    public int Opset => Graph.Opset("");

    /// <summary>Imports another op domain (e.g. <c>com.microsoft</c>) at <paramref name="version"/>.</summary>
    public GraphBuilder ImportDomain(string domain, int version)
    {
        Graph.OpsetImports[domain] = version;
        return this;
    }

    /// <summary>A builder for a subgraph (e.g. an If branch); it shares this builder's names and opsets, and its
    /// nodes may use this builder's Vars. Its <see cref="Build"/> returns the graph without checking it: the
    /// enclosing graph's <see cref="Build"/> checks everything.</summary>
    public GraphBuilder Subgraph(string name) => new(name, this);

    // ---- values ------------------------------------------------------------------------------------------

    /// <summary>A graph input of element type <paramref name="type"/>; dims may be numbers or <see cref="Dim.Sym"/>.</summary>
    public Var Input(string name, DataType type, params Dim[] dims) => Input(name, new TensorType(type, Core.Shape.Of(dims)));

    /// <summary>A graph input of any type (tensor, sequence, optional, or null for unknown).</summary>
    public Var Input(string name, Core.ValueType? type)
    {
        var v = new Value(Claim(name), type);
        Graph.Inputs.Add(v);
        return Wrap(v);
    }

    /// <summary>A named constant (ONNX initializer).</summary>
    public Var Constant(string? name, Tensor value)
    {
        var v = Graph.AddConstant(name is null ? Fresh() : Claim(name), value);
        return Wrap(v);
    }

    /// <summary>A constant with a generated name.</summary>
    public Var Constant(Tensor value) => Constant(null, value);

    /// <summary>A 1-D i64 constant, e.g. a shape or axes.</summary>
    public Var Constant(params long[] values) => Constant(null, Tensor<long>.FromArray(values, values.Length));

    /// <summary>A scalar (rank-0) constant of <paramref name="type"/> (a numeric type or bool).</summary>
    public Var Scalar(double value, DataType type = DataType.Float32) =>
        Constant(null, TensorConvert.FromDoubles(type, [value], ReadOnlySpan<int>.Empty));

    /// <summary>A scalar constant of <paramref name="like"/>'s element type (f32 if it is not a known numeric type).</summary>
    internal Var ScalarLike(Var like, float value)
    {
        var et = like.ElementType;
        bool numeric = et.IsNativeNumeric() || et == DataType.BFloat16;
        return Scalar(value, numeric ? et : DataType.Float32);
    }

    /// <summary>Marks <paramref name="v"/> as a graph output. With a <paramref name="name"/>, the value is renamed
    /// to it, or, when it is an input, a constant, an output already or a value of an enclosing graph, an
    /// <c>Identity</c> node gives the output its name.</summary>
    public void Output(Var v, string? name = null)
    {
        CheckOwned(v);
        if (name is null || name == v.Name)
        {
            Graph.Outputs.Add(v.Value);
            return;
        }
        bool canRename = v.Builder == this && v.Value.Producer is not null && !Graph.Outputs.Contains(v.Value);
        if (canRename)
        {
            Claim(name);
            _names.Remove(v.Name);
            v.Value.Name = name;
            Graph.Outputs.Add(v.Value);
        }
        else
        {
            Graph.Outputs.Add(Op("Identity", [v], name: name)[0].Value);
        }
    }

    /// <summary>Several outputs at once, keeping their names.</summary>
    public void Outputs(params Var[] vs)
    {
        foreach (var v in vs) Output(v);
    }

    // ---- nodes -------------------------------------------------------------------------------------------

    /// <summary>Adds a node of any op. <paramref name="inputs"/> may contain null for omitted optional inputs;
    /// <paramref name="outputs"/> is the number of outputs; <paramref name="name"/> names the (first) output,
    /// <paramref name="outputNames"/> all of them.</summary>
    public OpResult Op(string opType, IReadOnlyList<Var?> inputs, IEnumerable<Attribute>? attributes = null,
        string domain = "", int outputs = 1, string? name = null, IReadOnlyList<string>? outputNames = null, string nodeName = "")
    {
        if (outputs < 1)
            throw new StrataException(ErrorCode.InvalidArgument, $"an {opType} node needs at least one output, got {outputs}",
                "pass outputs: n with n >= 1");
        if (outputNames is not null && outputNames.Count != outputs)
            throw new StrataException(ErrorCode.InvalidArgument, $"{outputNames.Count} output names for {outputs} outputs",
                "give one name per output");
        var inputValues = new Value?[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is not { } v) continue;
            CheckOwned(v);
            inputValues[i] = v.Value;
        }
        var outputValues = new Value[outputs];
        for (int i = 0; i < outputs; i++)
        {
            string? n = outputNames?[i] ?? (i == 0 ? name : null);
            outputValues[i] = new Value(n is null ? Fresh() : Claim(n));
        }
        var node = new Node(opType, inputValues, outputValues, attributes, domain, nodeName);
        Graph.Nodes.Add(node);
        InferNode(node);
        return new OpResult(node, outputValues.Select(Wrap).ToArray());
    }

    /// <summary>Infers the new node's output types now, so Vars know their types while the graph is built.</summary>
    private void InferNode(Node node)
    {
        var op = Registry.Find(node.Domain, node.OpType);
        if (op is null) return;
        var ctx = new InferenceContext(node, Graph.Opset(node.Domain), node.Inputs.Select(v => v?.Type).ToArray(),
            i => node.Inputs[i]?.Constant);
        IReadOnlyList<Core.ValueType?> types;
        try
        {
            types = op.InferTypes(ctx);
        }
        catch (StrataException e)
        {
            Graph.Nodes.Remove(node);
            throw e.WithLocation(node.Describe());
        }
        for (int i = 0; i < node.Outputs.Length && i < types.Count; i++)
            if (node.Outputs[i] is { } o && types[i] is { } t)
                o.Type = t;
    }

    /// <summary>Infers all types (with constant folding), verifies the graph, and returns it. For a subgraph
    /// builder it only returns the graph.</summary>
    public Graph Build()
    {
        if (_parent is not null) return Graph;
        new TypeInference(Registry).Run(Graph);
        GraphVerifier.Verify(Graph, Registry);
        return Graph;
    }

    // ---- names and ownership -----------------------------------------------------------------------------

    private Var Wrap(Value v) => new(this, v);

    private string Claim(string name)
    {
        if (!_names.Add(name))
            throw new StrataException(ErrorCode.InvalidArgument, $"the name '{name}' is already used in this graph",
                "choose another name, or leave it out to get a generated one");
        return name;
    }

    private string Fresh()
    {
        while (true)
        {
            string n = "t" + _counter.Next++;
            if (_names.Add(n)) return n;
        }
    }

    private void CheckOwned(Var v)
    {
        for (var b = this; b is not null; b = b._parent)
            if (v.Builder == b) return;
        throw new StrataException(ErrorCode.InvalidArgument,
            $"%{v.Name} belongs to graph @{v.Builder.Graph.Name}, which is not @{Graph.Name} or a graph enclosing it",
            "use Vars of this builder or of the builders it was made from with Subgraph");
    }

    /// <summary>The builder for an operation on two Vars: the more deeply nested of their builders.</summary>
    internal static GraphBuilder Common(Var a, Var b)
    {
        for (var x = a.Builder; x is not null; x = x._parent)
            if (x == b.Builder) return a.Builder;
        return b.Builder;
    }
}
