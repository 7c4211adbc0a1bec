using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Expands calls to model-local functions (<c>ModelProto.functions</c>) into the function's body
/// nodes: formal inputs and outputs are bound to the call's actual names, every other name inside the body
/// gets a unique prefix, and attribute references (<c>ref_attr_name</c>) take the call's attribute value or
/// the function's default.</summary>
internal sealed class FunctionInliner
{
    private const int MaxDepth = 64;
    private readonly Dictionary<(string Domain, string Name), FunctionProto> _functions = [];
    private int _counter;

    public FunctionInliner(IEnumerable<FunctionProto> functions, string location)
    {
        foreach (var f in functions)
        {
            var key = (Normalize(f.Domain), f.Name);
            if (!_functions.TryAdd(key, f))
                throw OnnxErrors.Malformed($"model-local function '{f.Domain}::{f.Name}' is defined twice", location);
        }
    }

    public bool IsEmpty => _functions.Count == 0;

    /// <summary>The nodes with every call to a local function replaced by its body (recursively).</summary>
    public IReadOnlyList<NodeProto> Expand(IEnumerable<NodeProto> nodes, string location)
    {
        if (_functions.Count == 0) return nodes as IReadOnlyList<NodeProto> ?? nodes.ToList();
        var result = new List<NodeProto>();
        foreach (var node in nodes) ExpandInto(node, result, 0, location);
        return result;
    }

    private void ExpandInto(NodeProto node, List<NodeProto> result, int depth, string location)
    {
        if (!_functions.TryGetValue((Normalize(node.Domain), node.OpType), out var function))
        {
            result.Add(node);
            return;
        }
        if (depth > MaxDepth)
            throw OnnxErrors.Malformed($"model-local function '{function.Name}' calls itself (more than {MaxDepth} levels)", location,
                "functions must not be recursive");
        foreach (var bodyNode in Instantiate(function, node, location))
            ExpandInto(bodyNode, result, depth + 1, location);
    }

    private IEnumerable<NodeProto> Instantiate(FunctionProto f, NodeProto call, string location)
    {
        string prefix = $"{f.Name}_{_counter++}__";
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < f.Input.Count; i++)
            names[f.Input[i]] = i < call.Input.Count ? call.Input[i] : "";
        for (int i = 0; i < f.Output.Count; i++)
            names[f.Output[i]] = i < call.Output.Count && call.Output[i].Length > 0 ? call.Output[i] : prefix + f.Output[i];
        foreach (var n in f.Node)
            foreach (var o in n.Output)
                if (o.Length > 0 && !names.ContainsKey(o)) names[o] = prefix + o;

        var callAttributes = call.Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var defaults = f.AttributeProto.ToDictionary(a => a.Name, StringComparer.Ordinal);
        string Rename(string name) => name.Length == 0 ? name : names.TryGetValue(name, out var r) ? r : name;
        AttributeProto? Bind(string refName) =>
            callAttributes.TryGetValue(refName, out var a) ? a : defaults.TryGetValue(refName, out var d) ? d : null;

        foreach (var n in f.Node)
        {
            var copy = RewriteNode(n, Rename, Bind);
            copy.Name = prefix + (n.Name.Length > 0 ? n.Name : n.OpType);
            yield return copy;
        }
    }

    /// <summary>A copy of <paramref name="node"/> with names renamed and attribute references bound, also
    /// inside its subgraphs.</summary>
    private static NodeProto RewriteNode(NodeProto node, Func<string, string> rename, Func<string, AttributeProto?> bind)
    {
        var copy = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain, Overload = node.Overload, DocString = node.DocString };
        copy.Input.AddRange(node.Input.Select(rename));
        copy.Output.AddRange(node.Output.Select(rename));
        foreach (var a in node.Attribute)
        {
            if (a.RefAttrName.Length > 0)
            {
                if (bind(a.RefAttrName) is not { } bound) continue;   // unset optional attribute: leave it out
                var b = bound.Clone();
                b.Name = a.Name;
                b.RefAttrName = "";
                copy.Attribute.Add(b);
                continue;
            }
            var c = a.Clone();
            if (c.G is not null) c.G = RewriteGraph(c.G, rename, bind);
            for (int i = 0; i < c.Graphs.Count; i++) c.Graphs[i] = RewriteGraph(c.Graphs[i], rename, bind);
            copy.Attribute.Add(c);
        }
        return copy;
    }

    private static GraphProto RewriteGraph(GraphProto g, Func<string, string> rename, Func<string, AttributeProto?> bind)
    {
        // Names defined inside the subgraph are its own; only references to the function's names change.
        var local = new HashSet<string>(g.Input.Select(i => i.Name).Concat(g.Initializer.Select(t => t.Name))
            .Concat(g.Node.SelectMany(n => n.Output)), StringComparer.Ordinal);
        string Inner(string name) => local.Contains(name) ? name : rename(name);
        var copy = g.Clone();
        copy.Node.Clear();
        copy.Node.AddRange(g.Node.Select(n => RewriteNode(n, Inner, bind)));
        foreach (var o in copy.Output) o.Name = Inner(o.Name);
        return copy;
    }

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;
}
