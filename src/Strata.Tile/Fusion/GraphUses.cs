using Strata.Graph;

namespace Strata.Tile.Fusion;

/// <summary>Who uses which value in a graph. A node "reads" its inputs and also the outer values its subgraphs
/// (If/Loop/Scan bodies) capture, so ordering and partitioning respect both.</summary>
public sealed class GraphUses
{
    private readonly Dictionary<Value, List<Node>> _readers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Value, int> _slotUses = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Node, IReadOnlyList<Value>> _reads = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Value> _graphOutputs = new(ReferenceEqualityComparer.Instance);

    public GraphUses(Graph.Graph graph)
    {
        foreach (var o in graph.Outputs) _graphOutputs.Add(o);
        foreach (var node in graph.Nodes)
        {
            var reads = Reads(node);
            _reads[node] = reads;
            foreach (var v in reads)
            {
                if (!_readers.TryGetValue(v, out var list)) _readers[v] = list = [];
                if (list.Count == 0 || !ReferenceEquals(list[^1], node)) list.Add(node);
            }
            foreach (var v in node.Inputs)
                if (v is not null) _slotUses[v] = _slotUses.GetValueOrDefault(v) + 1;
        }
    }

    /// <summary>The values <paramref name="node"/> reads: its inputs and its subgraphs' captured outer values, each once.</summary>
    public IReadOnlyList<Value> ReadsOf(Node node) => _reads.TryGetValue(node, out var r) ? r : Reads(node);

    /// <summary>The nodes that read <paramref name="value"/>, in graph order.</summary>
    public IReadOnlyList<Node> Readers(Value value) => _readers.TryGetValue(value, out var l) ? l : [];

    /// <summary>How many node input slots name <paramref name="value"/> (<c>Mul(x, x)</c> counts two).</summary>
    public int SlotUses(Value value) => _slotUses.GetValueOrDefault(value);

    public bool IsGraphOutput(Value value) => _graphOutputs.Contains(value);

    /// <summary>The inputs of <paramref name="node"/> and the values of enclosing graphs its subgraphs use.</summary>
    public static IReadOnlyList<Value> Reads(Node node)
    {
        var seen = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        var result = new List<Value>();
        foreach (var v in node.Inputs)
            if (v is not null && seen.Add(v)) result.Add(v);
        foreach (var g in Subgraphs(node))
            foreach (var v in CapturedValues(g))
                if (seen.Add(v)) result.Add(v);
        return result;
    }

    /// <summary>The subgraphs held in a node's attributes.</summary>
    public static IEnumerable<Graph.Graph> Subgraphs(Node node)
    {
        foreach (var a in node.Attributes.Values)
        {
            if (a.Kind == AttributeKind.Graph) yield return a.AsGraph();
            else if (a.Kind == AttributeKind.Graphs) foreach (var g in a.AsGraphs()) yield return g;
        }
    }

    /// <summary>Values a subgraph (or its nested subgraphs) reads but does not define.</summary>
    public static IReadOnlyList<Value> CapturedValues(Graph.Graph graph)
    {
        var defined = new HashSet<Value>(graph.DefinedValues(), ReferenceEqualityComparer.Instance);
        var seen = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        var result = new List<Value>();
        foreach (var node in graph.Nodes)
            foreach (var v in Reads(node))
                if (!defined.Contains(v) && seen.Add(v)) result.Add(v);
        foreach (var v in graph.Outputs)
            if (!defined.Contains(v) && seen.Add(v)) result.Add(v);
        return result;
    }
}
