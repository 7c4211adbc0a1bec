using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>ONNX requires nodes in topological order; some producers write them otherwise. Keeps the given
/// order when it is valid, else sorts (stable) by the names each node reads, including names its subgraphs
/// read from the enclosing scope.</summary>
internal static class TopologicalOrder
{
    public static IReadOnlyList<NodeProto> Sort(IReadOnlyList<NodeProto> nodes, Scope scope, string location)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
            foreach (var o in nodes[i].Output)
                if (o.Length > 0) producer.TryAdd(o, i);

        var deps = new List<int>[nodes.Count];
        bool sorted = true;
        for (int i = 0; i < nodes.Count; i++)
        {
            deps[i] = [];
            foreach (var name in ReadNames(nodes[i]))
                if (producer.TryGetValue(name, out int p) && !(scope.IsLocal(name)))
                {
                    deps[i].Add(p);
                    if (p >= i) sorted = false;
                }
        }
        if (sorted) return nodes;

        var state = new byte[nodes.Count]; // 0 new, 1 visiting, 2 done
        var order = new List<NodeProto>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++) Visit(i);
        return order;

        void Visit(int root)
        {
            // Iterative DFS so a long chain cannot overflow the stack.
            var stack = new Stack<(int Node, int Next)>();
            if (state[root] != 0) return;
            stack.Push((root, 0));
            state[root] = 1;
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < deps[node].Count)
                {
                    stack.Push((node, next + 1));
                    int d = deps[node][next];
                    if (state[d] == 1)
                        throw OnnxErrors.Malformed($"the graph has a cycle through node '{nodes[d].Name}' ({nodes[d].OpType})", location);
                    if (state[d] == 0) { state[d] = 1; stack.Push((d, 0)); }
                    continue;
                }
                state[node] = 2;
                order.Add(nodes[node]);
            }
        }
    }

    /// <summary>Names a node reads: its inputs and, for subgraph attributes, every name read inside them.</summary>
    private static IEnumerable<string> ReadNames(NodeProto node)
    {
        foreach (var i in node.Input)
            if (i.Length > 0) yield return i;
        foreach (var a in node.Attribute)
        {
            if (a.G is not null) foreach (var n in GraphReads(a.G)) yield return n;
            foreach (var g in a.Graphs) foreach (var n in GraphReads(g)) yield return n;
        }
    }

    private static IEnumerable<string> GraphReads(GraphProto g)
    {
        foreach (var n in g.Node)
            foreach (var name in ReadNames(n)) yield return name;
        foreach (var o in g.Output) yield return o.Name;
    }
}
