using Strata.Core;

namespace Strata.Graph;

/// <summary>Static type and shape inference over a graph: calls each op's <see cref="IOpDefinition.InferTypes"/>
/// in order. Values whose inputs are all known at compile time and small are folded by evaluation, so shape
/// computations (Shape → Gather → Concat → Reshape) resolve to static shapes.</summary>
public sealed class TypeInference(OpRegistry? registry = null)
{
    /// <summary>Largest tensor (elements) folded during inference.</summary>
    public const int FoldLimit = 4096;

    private readonly OpRegistry _registry = registry ?? OpRegistry.Default;

    /// <summary>Infers types of all node outputs in <paramref name="graph"/> (and its subgraphs). Declared types
    /// (from the model) are kept where inference knows less.</summary>
    public void Run(Graph graph) => Run(graph, new Dictionary<Value, Tensor>(ReferenceEqualityComparer.Instance));

    private void Run(Graph graph, Dictionary<Value, Tensor> known)
    {
        foreach (var c in graph.Constants)
            if (c.Constant is { } t) known[c] = t;
        foreach (var node in graph.Nodes)
        {
            var op = _registry.Find(node.Domain, node.OpType);
            if (op is null) continue;
            foreach (var a in node.Attributes.Values)
            {
                if (a.Kind == AttributeKind.Graph) Run(a.AsGraph(), known);
                else if (a.Kind == AttributeKind.Graphs) foreach (var g in a.AsGraphs()) Run(g, known);
            }
            var inputTypes = node.Inputs.Select(v => v?.Type).ToArray();
            var ctx = new InferenceContext(node, graph.Opset(node.Domain), inputTypes,
                i => node.Inputs[i] is { } v && known.TryGetValue(v, out var t) ? t : null);
            IReadOnlyList<Core.ValueType?> types;
            try { types = op.InferTypes(ctx); }
            catch (StrataException e) { throw e.WithLocation(node.Describe()); }
            for (int i = 0; i < node.Outputs.Length && i < types.Count; i++)
                if (node.Outputs[i] is { } o && types[i] is { } t)
                    o.Type = Merge(o.Type, t);
            TryFold(node, op, graph.Opset(node.Domain), known);
        }
    }

    /// <summary>Prefers the more specific of a declared and an inferred type.</summary>
    private static Core.ValueType Merge(Core.ValueType? declared, Core.ValueType inferred)
    {
        if (declared is not TensorType d || inferred is not TensorType n) return inferred;
        if (n.Shape is null) return d.ElementType == DataType.Undefined ? d with { ElementType = n.ElementType } : d;
        if (d.Shape is null || d.Shape.Rank != n.Shape.Rank) return n;
        var dims = d.Shape.Dims.Zip(n.Shape.Dims, (a, b) => b.IsKnown ? b : a.IsSymbolic ? a : b);
        return new TensorType(n.ElementType == DataType.Undefined ? d.ElementType : n.ElementType, Shape.Of(dims));
    }

    private static readonly HashSet<string> NonDeterministic =
        ["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial", "Dropout"];

    private void TryFold(Node node, IOpDefinition op, int opset, Dictionary<Value, Tensor> known)
    {
        if (NonDeterministic.Contains(node.OpType) || node.Attributes.Values.Any(a => a.Kind is AttributeKind.Graph or AttributeKind.Graphs))
            return;
        // Results over the limit are not kept, so do not compute them (e.g. ConstantOfShape of a large weight).
        foreach (var o in node.Outputs)
            if (o?.TensorType?.Shape is { IsFullyKnown: true } os && os.Dims.Aggregate(1.0, (n, d) => n * d.Value!.Value) > FoldLimit)
                return;
        var inputs = new RuntimeValue?[node.Inputs.Length];
        // Shape and Size depend only on the input's static shape, not on its (usually unknown) value.
        bool shapeOnly = node.OpType is "Shape" or "Size" && node.Domain == "" && node.Inputs.Length > 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i] is not { } v) continue;
            if (!known.TryGetValue(v, out var t) || t.Length > FoldLimit)
            {
                if (shapeOnly && i == 0) continue;
                return;
            }
            inputs[i] = t;
        }
        if (shapeOnly && node.Inputs[0]?.TensorType?.Shape?.ToConcrete() is { } s && ShapeMath.Size(s) <= 1 << 24)
            inputs[0] = TensorFactory.Create(node.Inputs[0]!.TensorType!.ElementType == DataType.String ? DataType.String : DataType.UInt8, s);
        else if (shapeOnly && inputs[0] is null) return;
        else if (inputs.Length == 0 && node.OpType != "Constant") return;
        if (inputs.Any(x => x is Tensor t && t.Length > FoldLimit)) { if (node.OpType is not ("Shape" or "Size")) return; }
        try
        {
            var outs = op.Evaluate(new OpContext(node, opset, inputs, (_, _) => throw new InvalidOperationException(), new Random(0)));
            for (int i = 0; i < node.Outputs.Length && i < outs.Count; i++)
                if (node.Outputs[i] is { } o && outs[i] is Tensor t && t.Length <= FoldLimit)
                {
                    known[o] = t;
                    o.Type = Merge(o.Type, t.Type);
                }
        }
        catch (Exception e) when (e is StrataException or ArgumentException or InvalidOperationException or IndexOutOfRangeException
                                      or NotImplementedException or InvalidCastException or OverflowException)
        {
            // Folding is an optimisation of inference; the interpreter reports the error when the graph runs.
        }
    }
}
