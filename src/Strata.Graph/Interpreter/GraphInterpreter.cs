using Strata.Core;

namespace Strata.Graph;

/// <summary>The reference interpreter of level 0: runs nodes in order on real tensors, calling each op's
/// <see cref="IOpDefinition.Evaluate"/>. Simple and obviously right; not fast.</summary>
public sealed class GraphInterpreter(OpRegistry? registry = null, int seed = 0)
{
    public OpRegistry Registry { get; } = registry ?? OpRegistry.Default;

    /// <summary>Called after each node with its outputs (for tools that compare levels or trace).</summary>
    public Action<Node, IReadOnlyList<RuntimeValue?>>? OnNodeEvaluated { get; set; }

    /// <summary>Runs <paramref name="graph"/> on named inputs; returns the graph outputs by name.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        foreach (var name in inputs.Keys)
            if (!graph.Inputs.Any(i => i.Name == name) && !graph.Constants.Any(c => c.Name == name))
                throw new StrataException(ErrorCode.UnknownInput, $"the model has no input named '{name}'",
                    $"inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
        var args = graph.Inputs.Select(i => inputs.TryGetValue(i.Name, out var v) ? v
            : throw new StrataException(ErrorCode.MissingInput, $"input '{i.Name}' ({i.Type}) was not given",
                "pass a value for every model input")).ToList<RuntimeValue?>();
        var overrides = inputs.Where(kv => graph.Constants.Any(c => c.Name == kv.Key))
            .ToDictionary(kv => graph.Constants.First(c => c.Name == kv.Key), kv => (RuntimeValue?)kv.Value);
        var outs = RunGraph(graph, args, null, new Random(seed), overrides);
        var result = new Dictionary<string, RuntimeValue?>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Outputs.Count; i++) result[graph.Outputs[i].Name] = outs[i];
        return result;
    }

    private IReadOnlyList<RuntimeValue?> RunGraph(Graph graph, IReadOnlyList<RuntimeValue?> args, Scope? outer, Random random,
        IReadOnlyDictionary<Value, RuntimeValue?>? overrides = null)
    {
        if (args.Count != graph.Inputs.Count)
            throw new StrataException(ErrorCode.InvalidIr, $"graph '{graph.Name}' takes {graph.Inputs.Count} inputs, got {args.Count}",
                "check the subgraph's input count against the op spec");
        var scope = new Scope(outer);
        foreach (var c in graph.Constants) scope.Values[c] = c.Constant;
        if (overrides is not null) foreach (var kv in overrides) scope.Values[kv.Key] = kv.Value;
        for (int i = 0; i < args.Count; i++) scope.Values[graph.Inputs[i]] = args[i];

        foreach (var node in graph.Nodes)
        {
            var outputs = Evaluate(node, graph.Opset(node.Domain), scope, random);
            for (int i = 0; i < node.Outputs.Length; i++)
                if (node.Outputs[i] is { } o)
                    scope.Values[o] = i < outputs.Count ? outputs[i] : null;
            OnNodeEvaluated?.Invoke(node, outputs);
        }
        return graph.Outputs.Select(scope.Lookup).ToArray();
    }

    /// <summary>Evaluates one node outside a graph run (e.g. a fallback step of a compiled program): its inputs, and
    /// the outer values its subgraphs read, come from <paramref name="lookup"/>.</summary>
    public IReadOnlyList<RuntimeValue?> EvaluateNode(Node node, int opset, Func<Value, RuntimeValue?> lookup, Random random) =>
        Evaluate(node, opset, new Scope(null, lookup), random);

    private IReadOnlyList<RuntimeValue?> Evaluate(Node node, int opset, Scope scope, Random random)
    {
        var op = Registry.Get(node);
        var inputs = node.Inputs.Select(v => v is null ? null : scope.Lookup(v)).ToArray();
        var ctx = new OpContext(node, opset, inputs, (body, bodyArgs) => RunGraph(body, bodyArgs, scope, random), random);
        try
        {
            return op.Evaluate(ctx);
        }
        catch (StrataException e) { throw e.WithLocation(node.Describe()); }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException
                                      or InvalidCastException or OverflowException or NotSupportedException
                                      or DivideByZeroException or NotImplementedException)
        {
            throw new StrataException(ErrorCode.EvaluationFailed, $"evaluation failed: {e.Message}",
                "the inputs or attributes are outside what this op supports", node.Describe(), e);
        }
    }

    private sealed class Scope(Scope? parent, Func<Value, RuntimeValue?>? external = null)
    {
        public Scope? Parent { get; } = parent;
        public Dictionary<Value, RuntimeValue?> Values { get; } = new(ReferenceEqualityComparer.Instance);
        private readonly Func<Value, RuntimeValue?>? _external = external;

        public RuntimeValue? Lookup(Value v)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Values.TryGetValue(v, out var r)) return r;
                if (s.Parent is null && s._external is not null) return s._external(v);
            }
            throw new StrataException(ErrorCode.UndefinedValue, $"value %{v.Name} is used before it is defined",
                "the graph must be topologically sorted and every input defined");
        }
    }
}
