using Strata.Core;

namespace Strata.Graph.Verification;

/// <summary>Checks that a level-0 graph is well formed and reports every problem it finds, not just the first:
/// <list type="bullet">
/// <item>SSA: every value is defined once (as a graph input, a constant or one node output), names are unique
/// in a graph and not reused by the graphs it encloses, and every use comes after its definition (nodes in
/// topological order; a subgraph may use values of enclosing graphs defined before the node that holds it).</item>
/// <item>Graph outputs are defined; nodes have outputs whose <see cref="Value.Producer"/> is the node.</item>
/// <item>Constants hold data of their declared type; attributes hold the payload their kind says.</item>
/// <item>Ops: an op without a definition in the registry is a warning (running it is the error, later). For a
/// known op, its type inference is rerun on the declared input types: it must not fail, must give a type for
/// every output the node has, and each declared output type must agree with the inferred one (element type,
/// rank, known dims; a less specific side is not a mismatch).</item>
/// </list></summary>
public sealed class GraphVerifier
{
    private readonly OpRegistry _registry;
    private readonly List<GraphDiagnostic> _diagnostics = [];
    private readonly HashSet<Value> _defined = new(ReferenceEqualityComparer.Instance);

    private GraphVerifier(OpRegistry? registry, bool checkTypes)
    {
        _registry = registry ?? OpRegistry.Default;
        _checkTypes = checkTypes;
    }

    private readonly bool _checkTypes;

    /// <summary>All problems in <paramref name="graph"/> and its subgraphs, errors and warnings, in graph order.</summary>
    /// <param name="checkTypes">Rerun each op's type inference and compare with the declared types.</param>
    public static IReadOnlyList<GraphDiagnostic> Diagnose(Graph graph, OpRegistry? registry = null, bool checkTypes = true)
    {
        var v = new GraphVerifier(registry, checkTypes);
        v.CheckGraph(graph, null, $"graph {Text.TextSyntax.GraphRef(graph.Name)}");
        return v._diagnostics;
    }

    /// <summary>Throws a <see cref="StrataException"/> with <see cref="ErrorCode.VerificationFailed"/> that lists
    /// every error if <paramref name="graph"/> has any (warnings do not fail verification).</summary>
    public static void Verify(Graph graph, OpRegistry? registry = null, bool checkTypes = true)
    {
        var errors = Diagnose(graph, registry, checkTypes).Where(d => d.IsError).ToList();
        if (errors.Count == 0) return;
        throw new StrataException(ErrorCode.VerificationFailed,
            $"graph @{graph.Name} is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):\n" +
            string.Join("\n", errors.Select(e => "  " + e)),
            "fix the graph where each error points; print it with GraphPrinter to see it whole",
            $"graph @{graph.Name}");
    }

    /// <summary>Names and values visible in one graph.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;
        public HashSet<Value> Values { get; } = new(ReferenceEqualityComparer.Instance);
        public Dictionary<string, Value> Names { get; } = new(StringComparer.Ordinal);

        public bool IsVisible(Value v)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Values.Contains(v)) return true;
            return false;
        }

        public bool IsNameUsedOutside(string name)
        {
            for (var s = Parent; s is not null; s = s.Parent)
                if (s.Names.ContainsKey(name)) return true;
            return false;
        }
    }

    private void CheckGraph(Graph g, Scope? outer, string where)
    {
        var scope = new Scope(outer);
        var definedHere = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var node in g.Nodes)
            if (node is not null)
                foreach (var o in node.Outputs)
                    if (o is not null) definedHere.Add(o);

        foreach (var input in g.Inputs)
        {
            if (input is null) { Error(ErrorCode.InvalidIr, "a graph input is null", where); continue; }
            Define(input, scope, where, "graph input");
        }
        foreach (var c in g.Constants)
        {
            if (c is null) { Error(ErrorCode.InvalidIr, "a constant is null", where); continue; }
            Define(c, scope, where, "constant");
            if (c.Constant is not { } data)
                Error(ErrorCode.InvalidIr, $"constant %{c.Name} has no data", where);
            else if (c.Type is not null && !Equals(c.Type, data.Type))
                Error(ErrorCode.TypeMismatch, $"constant %{c.Name} is declared {Text.TextSyntax.FormatType(c.Type)} but its data is {data.Type}", where);
            if (c.Producer is not null)
                Error(ErrorCode.InvalidIr, $"constant %{c.Name} is also the output of {c.Producer.Describe()}", where);
        }

        foreach (var node in g.Nodes)
        {
            if (node is null) { Error(ErrorCode.InvalidIr, "a node is null", where); continue; }
            string at = $"{where}: {node.Describe()}";
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                if (node.Inputs[i] is not { } v || scope.IsVisible(v)) continue;
                if (definedHere.Contains(v))
                    Error(ErrorCode.UndefinedValue, $"input {i} %{v.Name} is used before it is defined (nodes are not in topological order)", at);
                else
                    Error(ErrorCode.UndefinedValue, $"input {i} %{v.Name} is not defined in this graph or an enclosing one", at);
            }
            CheckAttributes(node, scope, at);
            if (node.Outputs.Length == 0)
                Error(ErrorCode.InvalidIr, "the node has no outputs", at);
            foreach (var o in node.Outputs)
            {
                if (o is null) continue;
                if (!ReferenceEquals(o.Producer, node))
                    Error(ErrorCode.InvalidIr, $"output %{o.Name} names {o.Producer?.Describe() ?? "no node"} as its producer", at);
                Define(o, scope, at, "node output");
            }
            CheckOp(node, g, at);
        }

        for (int i = 0; i < g.Outputs.Count; i++)
        {
            var o = g.Outputs[i];
            if (o is null) Error(ErrorCode.InvalidIr, $"graph output {i} is null", where);
            else if (!scope.IsVisible(o))
                Error(ErrorCode.UndefinedValue, $"graph output %{o.Name} is not defined in this graph or an enclosing one", where);
        }
    }

    private void Define(Value v, Scope scope, string where, string what)
    {
        if (!_defined.Add(v))
        {
            Error(ErrorCode.InvalidIr, $"value %{v.Name} is defined more than once (again as a {what})", where);
            return;
        }
        scope.Values.Add(v);
        if (scope.Names.ContainsKey(v.Name))
            Error(ErrorCode.InvalidIr, $"name %{v.Name} is used by two values in this graph", where);
        else if (scope.IsNameUsedOutside(v.Name))
            Error(ErrorCode.InvalidIr, $"name %{v.Name} ({what}) is already used by a value of an enclosing graph", where);
        scope.Names.TryAdd(v.Name, v);
    }

    private void CheckAttributes(Node node, Scope scope, string at)
    {
        foreach (var (key, a) in node.Attributes)
        {
            if (a is null) { Error(ErrorCode.InvalidAttribute, $"attribute '{key}' is null", at); continue; }
            if (a.Name != key) Error(ErrorCode.InvalidAttribute, $"attribute '{a.Name}' is stored under the key '{key}'", at);
            if (a.Name.Length == 0) Error(ErrorCode.InvalidAttribute, "an attribute has an empty name", at);
            bool ok = (a.Kind, a.Value) switch
            {
                (AttributeKind.Int, long) => true,
                (AttributeKind.Float, float) => true,
                (AttributeKind.String, string) => true,
                (AttributeKind.Ints, long[]) => true,
                (AttributeKind.Floats, float[]) => true,
                (AttributeKind.Strings, string[] s) => s.All(x => x is not null),
                (AttributeKind.Tensor, Tensor) => true,
                (AttributeKind.Tensors, Tensor[] t) => t.All(x => x is not null),
                (AttributeKind.Graph, Graph) => true,
                (AttributeKind.Graphs, Graph[] gs) => gs.All(x => x is not null),
                (AttributeKind.Type, Core.ValueType) => true,
                (AttributeKind.Types, Core.ValueType[] ts) => ts.All(x => x is not null),
                _ => false,
            };
            if (!ok)
            {
                Error(ErrorCode.InvalidAttribute,
                    $"attribute '{a.Name}' of kind {a.Kind} holds {(a.Value is null ? "null" : "a " + a.Value.GetType().Name)}", at);
                continue;
            }
            if (a.Value is Graph sub) CheckGraph(sub, scope, $"{at}: attribute {a.Name}: graph {Text.TextSyntax.GraphRef(sub.Name)}");
            else if (a.Value is Graph[] subs)
                for (int i = 0; i < subs.Length; i++)
                    CheckGraph(subs[i], scope, $"{at}: attribute {a.Name}[{i}]: graph {Text.TextSyntax.GraphRef(subs[i].Name)}");
        }
    }

    private void CheckOp(Node node, Graph g, string at)
    {
        var op = _registry.Find(node.Domain, node.OpType);
        if (op is null)
        {
            Warning(ErrorCode.UnsupportedOp, $"operator '{node.OpKey}' has no definition in the registry", at);
            return;
        }
        if (!_checkTypes) return;
        var inputTypes = node.Inputs.Select(v => v?.Type).ToArray();
        var ctx = new InferenceContext(node, g.Opset(node.Domain), inputTypes, i => node.Inputs[i]?.Constant);
        IReadOnlyList<Core.ValueType?> types;
        try
        {
            types = op.InferTypes(ctx);
        }
        catch (StrataException e)
        {
            Error(e.Code, $"type inference fails: {e.Message}", at);
            return;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException
                                      or InvalidCastException or OverflowException or NotImplementedException
                                      or NullReferenceException or KeyNotFoundException)
        {
            Warning(ErrorCode.EvaluationFailed, $"type inference of '{node.OpKey}' crashed ({e.GetType().Name}: {e.Message}); types not checked", at);
            return;
        }
        for (int i = 0; i < node.Outputs.Length; i++)
        {
            if (node.Outputs[i] is not { } o) continue;
            if (i >= types.Count)
            {
                Error(ErrorCode.InvalidIr, $"the node has output {i} (%{o.Name}) but '{node.OpKey}' defines {types.Count} output{(types.Count == 1 ? "" : "s")}", at);
                continue;
            }
            if (Mismatch(o.Type, types[i]) is { } why)
                Error(ErrorCode.TypeMismatch,
                    $"output %{o.Name} is declared {Text.TextSyntax.FormatType(o.Type)} but the op gives {Text.TextSyntax.FormatType(types[i])} ({why})", at);
        }
    }

    /// <summary>Why two types cannot describe the same value, or null if they can (unknown parts match anything).</summary>
    public static string? Mismatch(Core.ValueType? declared, Core.ValueType? inferred)
    {
        switch (declared, inferred)
        {
            case (null, _) or (_, null):
                return null;
            case (TensorType d, TensorType n):
                if (d.ElementType != DataType.Undefined && n.ElementType != DataType.Undefined && d.ElementType != n.ElementType)
                    return "element type differs";
                if (d.Shape is null || n.Shape is null) return null;
                if (d.Shape.Rank != n.Shape.Rank) return "rank differs";
                for (int i = 0; i < d.Shape.Rank; i++)
                    if (d.Shape[i].Value is { } a && n.Shape[i].Value is { } b && a != b)
                        return $"dim {i} differs";
                return null;
            case (SequenceType d, SequenceType n):
                return Mismatch(d.ElementType, n.ElementType) is { } se ? "sequence element: " + se : null;
            case (OptionalType d, OptionalType n):
                return Mismatch(d.ElementType, n.ElementType) is { } oe ? "optional element: " + oe : null;
            default:
                return "kind differs";
        }
    }

    private void Error(ErrorCode code, string message, string where) =>
        _diagnostics.Add(new GraphDiagnostic(DiagnosticSeverity.Error, code, message, where));

    private void Warning(ErrorCode code, string message, string where) =>
        _diagnostics.Add(new GraphDiagnostic(DiagnosticSeverity.Warning, code, message, where));
}
