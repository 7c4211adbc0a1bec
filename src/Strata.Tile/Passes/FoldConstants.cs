using Strata.Core;
using Strata.Graph;
using Strata.Tile.Fusion;

namespace Strata.Tile.Passes;

/// <summary>Evaluates, at compile time, every node whose inputs are all constants (and every <c>Constant</c> node, and
/// every <c>Shape</c>/<c>Size</c> of a value with a static shape) with
/// the reference op, and replaces its outputs by graph constants of the same names. Shape computations
/// (<c>Shape → Gather → Concat → Reshape</c>) of a specialised graph fold away, so lowerings see their shapes,
/// axes and pads as constants. Random ops, ops with subgraphs, and results over <see cref="MaxElements"/> are left
/// to run, except fills (<see cref="Fills"/>, up to <see cref="MaxFillElements"/>): a fill left to run writes its
/// whole result on every run into a buffer as large as the constant, and a conv or matmul that reads it as weights
/// sees no constant (no compile-time relayout, no folded BatchNormalization); a node whose evaluation fails is left too (it reports its error when the program runs).
/// <paramref name="specializedInputs"/> are constants that stand for run-time inputs (see
/// <c>TileCompilerOptions.SpecializeSmallInputs</c>): lowerings may use their values, but nodes that read them
/// are not folded, so what the model computes from its inputs still runs as kernels.</summary>
public sealed class FoldConstants(OpRegistry? registry = null, int maxElements = FoldConstants.DefaultMaxElements,
    IReadOnlySet<Value>? specializedInputs = null) : IGraphPass
{
    public const int DefaultMaxElements = 1 << 20;

    public string Name => "FoldConstants";

    public int MaxElements { get; } = maxElements;

    /// <summary>Ops whose result only repeats a constant (folded up to <see cref="MaxFillElements"/>).</summary>
    public static readonly IReadOnlySet<string> Fills = new HashSet<string>(StringComparer.Ordinal) { "ConstantOfShape" };

    /// <summary>The largest fill folded (256 MiB of f32).</summary>
    public const int MaxFillElements = 1 << 26;

    private int Limit(Node node) => node.Domain.Length == 0 && Fills.Contains(node.OpType) ? Math.Max(MaxElements, MaxFillElements) : MaxElements;

    /// <summary>Ops whose results are not a function of their inputs (never folded, and never reordered among themselves).</summary>
    public static readonly IReadOnlySet<string> NonDeterministic = new HashSet<string>(StringComparer.Ordinal)
        { "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial", "Dropout" };

    public Graph.Graph Run(Graph.Graph graph)
    {
        var interpreter = new GraphInterpreter(registry ?? OpRegistry.Default);
        var replaced = new Dictionary<Value, Value>(ReferenceEqualityComparer.Instance);
        var folded = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            if (node.Inputs.Any(v => v is not null && replaced.ContainsKey(v)))
                node.Inputs = [.. node.Inputs.Select(v => v is not null && replaced.TryGetValue(v, out var r) ? r : v)];
            if (!Foldable(node, interpreter.Registry)) continue;
            IReadOnlyList<RuntimeValue?> outputs;
            try
            {
                outputs = interpreter.EvaluateNode(node, graph.Opset(node.Domain), v => v.Constant ?? ShapeOnly(node, v), new Random(0));
            }
            catch (Exception e) when (e is StrataException or ArithmeticException or ArgumentException or InvalidOperationException
                                          or IndexOutOfRangeException or NotSupportedException or NotImplementedException)
            {
                continue;
            }
            bool allTensors = true;
            for (int i = 0; i < node.Outputs.Length; i++)
                if (node.Outputs[i] is not null && (i >= outputs.Count || outputs[i] is not Tensor t || t.Length > Limit(node)))
                    allTensors = false;
            if (!allTensors) continue;
            for (int i = 0; i < node.Outputs.Length; i++)
            {
                if (node.Outputs[i] is not { } old) continue;
                var constant = new Value(old.Name, outputs[i]!.Type, (Tensor)outputs[i]!);
                graph.Constants.Add(constant);
                replaced[old] = constant;
            }
            folded.Add(node);
        }
        if (folded.Count == 0) return graph;
        graph.Nodes.RemoveAll(folded.Contains);
        ReplaceUses(graph, replaced);
        return graph;
    }

    private bool Foldable(Node node, OpRegistry ops)
    {
        if (NonDeterministic.Contains(node.OpType) || GraphUses.Subgraphs(node).Any() || ops.Find(node.Domain, node.OpType) is null)
            return false;
        if (node.OpType == "Constant" && node.Domain.Length == 0) return true;
        if (node.Inputs.All(v => v is null)) return false;
        if (IsShapeOnly(node)) return StaticShape(node.Inputs[0]!) is not null;
        if (node.Inputs.Any(v => v is not null && (v.Constant is null || specializedInputs?.Contains(v) == true))) return false;
        foreach (var o in node.Outputs)
            if (o?.TensorType?.Shape is { IsFullyKnown: true } s && s.Dims.Aggregate(1.0, (n, d) => n * d.Value!.Value) > Limit(node))
                return false;
        return true;
    }

    /// <summary><c>Shape</c> and <c>Size</c> read only their input's static shape.</summary>
    private static bool IsShapeOnly(Node node) => node.OpType is "Shape" or "Size" && node.Domain.Length == 0 && node.Inputs.Length == 1 && node.Inputs[0] is not null;

    private static int[]? StaticShape(Value v) => v.TensorType?.Shape?.ToConcrete() is { } s && ShapeMath.Size(s) <= 1 << 26 ? s : null;

    /// <summary>A stand-in with the static shape of a Shape/Size node's input (its values are never read).</summary>
    private static Tensor? ShapeOnly(Node node, Value v) =>
        IsShapeOnly(node) && ReferenceEquals(v, node.Inputs[0]) && StaticShape(v) is { } s
            ? TensorFactory.Create(v.TensorType!.ElementType == DataType.String ? DataType.String : DataType.UInt8, s)
            : null;

    /// <summary>Makes every reader of a key of <paramref name="replacements"/> (nodes, subgraph nodes, graph outputs)
    /// read its value instead.</summary>
    public static void ReplaceUses(Graph.Graph graph, IReadOnlyDictionary<Value, Value> replacements)
    {
        for (int i = 0; i < graph.Outputs.Count; i++)
            if (replacements.TryGetValue(graph.Outputs[i], out var r)) graph.Outputs[i] = r;
        foreach (var node in graph.Nodes)
        {
            if (node.Inputs.Any(v => v is not null && replacements.ContainsKey(v)))
                node.Inputs = [.. node.Inputs.Select(v => v is not null && replacements.TryGetValue(v, out var n) ? n : v)];
            foreach (var sub in GraphUses.Subgraphs(node)) ReplaceUses(sub, replacements);
        }
    }
}

/// <summary>Removes nodes that no graph output depends on (all ops are free of side effects).</summary>
public sealed class EliminateDeadNodes : IGraphPass
{
    public string Name => "EliminateDeadNodes";

    public Graph.Graph Run(Graph.Graph graph)
    {
        var live = new HashSet<Value>(graph.Outputs, ReferenceEqualityComparer.Instance);
        var keep = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (!node.Outputs.Any(o => o is not null && live.Contains(o))) continue;
            keep.Add(node);
            foreach (var v in GraphUses.Reads(node)) live.Add(v);
        }
        if (keep.Count != graph.Nodes.Count) graph.Nodes.RemoveAll(n => !keep.Contains(n));
        return graph;
    }
}

/// <summary>Reorders nodes (keeping a topological order) so each node comes as soon as possible after the producers
/// it reads: among the nodes ready to run, the one whose latest input was produced most recently goes first (ties:
/// original order). Interleaved branches (the Q, K and V projections of attention) then reach the fusion pass one
/// after the other, so a producer's readers can join its kernel. Random ops keep their relative order.</summary>
public sealed class OrderForFusion : IGraphPass
{
    public string Name => "OrderForFusion";

    public Graph.Graph Run(Graph.Graph graph)
    {
        var nodes = graph.Nodes;
        int n = nodes.Count;
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < n; i++) position[nodes[i]] = i;
        var producers = new List<int>[n];
        var readers = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        int lastRandom = -1;
        for (int i = 0; i < n; i++)
        {
            var deps = new SortedSet<int>();
            foreach (var v in GraphUses.Reads(nodes[i]))
                if (v.Producer is { } p && position.TryGetValue(p, out var pi) && pi != i) deps.Add(pi);
            if (FoldConstants.NonDeterministic.Contains(nodes[i].OpType))
            {
                if (lastRandom >= 0) deps.Add(lastRandom);
                lastRandom = i;
            }
            producers[i] = [.. deps];
            foreach (var d in deps) readers[d].Add(i);
        }
        var waiting = producers.Select(p => p.Count).ToArray();
        var emittedAt = new int[n];
        var ready = new List<int>();
        for (int i = 0; i < n; i++) if (waiting[i] == 0) ready.Add(i);
        var order = new List<Node>(n);
        while (ready.Count > 0)
        {
            int best = -1, bestPriority = int.MinValue;
            foreach (var r in ready)
            {
                int priority = producers[r].Count == 0 ? -1 : producers[r].Max(p => emittedAt[p]);
                if (priority > bestPriority || (priority == bestPriority && r < best)) (best, bestPriority) = (r, priority);
            }
            ready.Remove(best);
            emittedAt[best] = order.Count;
            order.Add(nodes[best]);
            foreach (var r in readers[best])
                if (--waiting[r] == 0) ready.Add(r);
        }
        if (order.Count != n)
            throw new StrataException(ErrorCode.InvalidIr, $"graph @{graph.Name} has a cycle", "nodes must form a DAG", $"graph @{graph.Name}");
        nodes.Clear();
        nodes.AddRange(order);
        return graph;
    }
}
