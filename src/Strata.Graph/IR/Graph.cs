using Strata.Core;

namespace Strata.Graph;

/// <summary>Level 0: a graph of whole-tensor operators (ONNX semantics). Nodes are kept in topological order.
/// Subgraphs (If/Loop/Scan bodies) are graphs held in attributes; they may read values of enclosing graphs.</summary>
public sealed class Graph
{
    public Graph(string name) { Name = name; }

    public string Name { get; set; }
    public List<Value> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];
    public List<Node> Nodes { get; } = [];

    /// <summary>Constant values (initializers), in a stable order.</summary>
    public List<Value> Constants { get; } = [];

    /// <summary>Operator set versions by domain ("" is the default ONNX domain). Subgraphs share their parent's.</summary>
    public Dictionary<string, int> OpsetImports { get; set; } = new() { [""] = OpsetDefaults.Latest };

    /// <summary>Free-form model metadata carried through import/export (ir_version, producer, doc strings).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public int Opset(string domain = "") =>
        OpsetImports.TryGetValue(Node.NormalizeDomain(domain), out var v) ? v
        : domain.Length == 0 ? OpsetDefaults.Latest : 1;

    /// <summary>All values defined in this graph (inputs, constants, node outputs), not in subgraphs.</summary>
    public IEnumerable<Value> DefinedValues() =>
        Inputs.Concat(Constants).Concat(Nodes.SelectMany(n => n.Outputs).OfType<Value>());

    public Value AddConstant(string name, Tensor data)
    {
        var v = new Value(name, data.Type, data);
        Constants.Add(v);
        return v;
    }

    public override string ToString() => $"graph @{Name} ({Nodes.Count} nodes)";
}

public static class OpsetDefaults
{
    /// <summary>The newest default-domain opset this build knows.</summary>
    public const int Latest = 25;
}
