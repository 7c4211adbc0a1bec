using System.Globalization;
using Google.Protobuf;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Writes a level-0 <see cref="Graph.Graph"/> as an ONNX model: constants become initializers,
/// graph attributes become subgraphs, known value types become value infos, and the graph's opset imports
/// and metadata are carried over. Values are named by their <see cref="Value.Name"/>, made unique where
/// two values share a name.</summary>
public static class OnnxExporter
{
    /// <summary>IR version written when the graph does not carry one from import.</summary>
    public const long DefaultIrVersion = 10;

    public static void Save(Graph.Graph graph, string path) => File.WriteAllBytes(path, ToBytes(graph));

    public static byte[] ToBytes(Graph.Graph graph) => ToModelProto(graph).ToByteArray();

    internal static ModelProto ToModelProto(Graph.Graph graph)
    {
        var model = new ModelProto
        {
            IrVersion = graph.Metadata.TryGetValue("onnx.ir_version", out var ir) && long.TryParse(ir, CultureInfo.InvariantCulture, out var v)
                ? v : DefaultIrVersion,
            ProducerName = graph.Metadata.GetValueOrDefault("onnx.producer_name") ?? "strata",
            ProducerVersion = graph.Metadata.GetValueOrDefault("onnx.producer_version") ?? "",
            Domain = graph.Metadata.GetValueOrDefault("onnx.domain") ?? "",
            DocString = graph.Metadata.GetValueOrDefault("onnx.doc_string") ?? "",
        };
        if (graph.Metadata.TryGetValue("onnx.model_version", out var mv) && long.TryParse(mv, CultureInfo.InvariantCulture, out var mvv))
            model.ModelVersion = mvv;
        foreach (var kv in graph.Metadata.Where(kv => !kv.Key.StartsWith("onnx.", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = kv.Key, Value = kv.Value });
        foreach (var kv in graph.OpsetImports.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = kv.Key, Version = kv.Value });
        model.Graph = new Writer().Write(graph);
        return model;
    }

    /// <summary>Writes graphs, giving every value one unique name across the model (subgraphs read outer
    /// values by name, so names are model-wide).</summary>
    private sealed class Writer
    {
        private readonly Dictionary<Value, string> _names = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public GraphProto Write(Graph.Graph graph)
        {
            var proto = new GraphProto { Name = graph.Name };
            foreach (var c in graph.Constants)
                proto.Initializer.Add(TensorProtoWriter.Write(c.Constant!, Name(c)));
            foreach (var i in graph.Inputs)
                proto.Input.Add(Info(i));
            var outputs = new HashSet<Value>(graph.Outputs, ReferenceEqualityComparer.Instance);
            foreach (var node in graph.Nodes)
            {
                var n = new NodeProto { OpType = node.OpType, Domain = node.Domain, Name = node.Name };
                foreach (var i in node.Inputs) n.Input.Add(i is null ? "" : Name(i));
                foreach (var o in node.Outputs) n.Output.Add(o is null ? "" : Name(o));
                foreach (var a in node.Attributes.Values) n.Attribute.Add(AttributeConverter.Write(a, Write));
                proto.Node.Add(n);
                foreach (var o in node.Outputs)
                    if (o is { Type: not null } && !outputs.Contains(o)) proto.ValueInfo.Add(Info(o));
            }
            foreach (var o in graph.Outputs)
                proto.Output.Add(Info(o));
            return proto;
        }

        private ValueInfoProto Info(Value v)
        {
            var info = new ValueInfoProto { Name = Name(v) };
            if (v.Type is { } t && !(t is TensorType { ElementType: DataType.Undefined })) info.Type = TypeProtoConverter.FromValueType(t);
            return info;
        }

        private string Name(Value v)
        {
            if (_names.TryGetValue(v, out var name)) return name;
            name = v.Name.Length > 0 ? v.Name : "v";
            for (int k = 1; !_used.Add(name); k++) name = $"{v.Name}_{k}";
            _names[v] = name;
            return name;
        }
    }
}
