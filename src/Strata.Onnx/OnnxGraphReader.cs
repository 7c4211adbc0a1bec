using Strata.Core;
using Strata.Graph;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Builds Strata graphs from <c>GraphProto</c>s: initializers become constants, names are resolved
/// through the enclosing scopes (subgraphs may read outer values), optional operands given as empty names
/// become null, and declared value infos become value types.</summary>
internal sealed class OnnxGraphReader(string? baseDirectory, Dictionary<string, int> opsetImports, FunctionInliner functions, string fileName)
{
    public Graph.Graph Read(GraphProto proto) => Read(proto, null, $"{fileName}: graph '{proto.Name}'");

    private Graph.Graph Read(GraphProto proto, Scope? outer, string location)
    {
        var graph = new Graph.Graph(proto.Name) { OpsetImports = opsetImports };
        var scope = new Scope(outer);

        var declared = new Dictionary<string, Core.ValueType?>(StringComparer.Ordinal);
        foreach (var vi in proto.ValueInfo.Concat(proto.Input).Concat(proto.Output))
            if (vi.Name.Length > 0 && vi.Type is not null)
                declared[vi.Name] = TypeProtoConverter.ToValueType(vi.Type, $"{location}, value '{vi.Name}'");

        foreach (var init in proto.Initializer)
        {
            string where = $"{location}, initializer '{init.Name}'";
            if (init.Name.Length == 0) throw OnnxErrors.Malformed("initializer has no name", where);
            var value = new Value(init.Name, null, TensorProtoReader.Read(init, baseDirectory, where));
            graph.Constants.Add(value);
            scope.Define(value, where);
        }
        foreach (var sparse in proto.SparseInitializer)
        {
            string name = sparse.Values?.Name ?? "";
            string where = $"{location}, sparse initializer '{name}'";
            if (name.Length == 0) throw OnnxErrors.Malformed("sparse initializer has no name", where);
            var value = new Value(name, null, SparseTensorReader.Read(sparse, t => TensorProtoReader.Read(t, baseDirectory, where), where));
            graph.Constants.Add(value);
            scope.Define(value, where);
        }

        foreach (var input in proto.Input)
        {
            string where = $"{location}, input '{input.Name}'";
            if (input.Name.Length == 0) throw OnnxErrors.Malformed("graph input has no name", where);
            // IR < 4 lists initializers among the inputs too: they stay constants (callers may still override them by name).
            if (scope.IsLocal(input.Name) && scope.Lookup(input.Name)!.IsConstant) continue;
            var value = new Value(input.Name, declared.GetValueOrDefault(input.Name));
            graph.Inputs.Add(value);
            scope.Define(value, where);
        }

        var nodes = TopologicalOrder.Sort(functions.Expand(proto.Node, location), scope, location);
        for (int k = 0; k < nodes.Count; k++)
            graph.Nodes.Add(ReadNode(nodes[k], k, scope, declared, location));

        foreach (var output in proto.Output)
        {
            string where = $"{location}, output '{output.Name}'";
            var value = scope.Lookup(output.Name)
                ?? throw OnnxErrors.Malformed($"graph output '{output.Name}' is not produced by any node, input or initializer", where);
            if (value.Type is null && declared.GetValueOrDefault(output.Name) is { } t) value.Type = t;
            graph.Outputs.Add(value);
        }
        return graph;
    }

    private Node ReadNode(NodeProto n, int index, Scope scope, Dictionary<string, Core.ValueType?> declared, string location)
    {
        string where = $"{location}, node {index} '{(n.Name.Length > 0 ? n.Name : n.Output.FirstOrDefault() ?? "")}' ({n.OpType})";
        if (n.OpType.Length == 0) throw OnnxErrors.Malformed("node has no op_type", where);

        var inputs = new Value?[n.Input.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            string name = n.Input[i];
            if (name.Length == 0) continue;
            inputs[i] = scope.Lookup(name) ?? throw new StrataException(ErrorCode.MalformedModel,
                $"input {i} '{name}' is not defined (not a graph input, initializer, or output of an earlier node)",
                "fix the model: every node input must be defined before it is used", where);
        }

        var attributes = n.Attribute.Select(a => AttributeConverter.Read(a,
            (g, at) => Read(g, scope, $"{at}, subgraph '{g.Name}'"),
            (t, at) => TensorProtoReader.Read(t, baseDirectory, at), where)).ToList();
        if (attributes.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != attributes.Count)
            throw OnnxErrors.Malformed("node has two attributes with the same name", where);

        var outputs = new Value?[n.Output.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            string name = n.Output[i];
            if (name.Length == 0) continue;
            var value = new Value(name, declared.GetValueOrDefault(name));
            scope.Define(value, where);
            outputs[i] = value;
        }
        return new Node(n.OpType, inputs, outputs, attributes, n.Domain, n.Name);
    }
}
