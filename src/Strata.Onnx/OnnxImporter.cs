using Google.Protobuf;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Imports ONNX models (<c>ModelProto</c>) as level-0 <see cref="Graph.Graph"/>s.</summary>
/// <remarks>Initializers become constants; model-local functions are inlined; subgraphs (If/Loop/Scan
/// bodies) become graph attributes whose nodes read outer values directly. Unknown ops are imported
/// unless <see cref="OnnxImportOptions.Strict"/> is set; the interpreter reports them when run.
/// Malformed files give a <see cref="StrataException"/> (<see cref="ErrorCode.MalformedModel"/> and friends).</remarks>
public static class OnnxImporter
{
    /// <summary>Reads and imports the model file at <paramref name="path"/>. External data is resolved
    /// relative to the file's folder.</summary>
    public static Graph.Graph Load(string path, OnnxImportOptions? options = null) =>
        Import(ReadModel(path), Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFileName(path), options);

    /// <summary>Imports a serialized model. <paramref name="baseDirectory"/> is where external data lives (null: none allowed).</summary>
    public static Graph.Graph Load(ReadOnlySpan<byte> model, string? baseDirectory = null, OnnxImportOptions? options = null) =>
        Import(ParseModel(model, "model"), baseDirectory, "model", options);

    /// <summary>Like <see cref="Load(string, OnnxImportOptions?)"/>, and also returns the inputs and outputs as
    /// the file declares them (what test data files are matched against).</summary>
    public static OnnxModel LoadModel(string path, OnnxImportOptions? options = null)
    {
        var model = ReadModel(path);
        var graph = Import(model, Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFileName(path), options);
        string file = Path.GetFileName(path);
        return new OnnxModel(graph, Declared(model.Graph.Input, file), Declared(model.Graph.Output, file));
    }

    private static List<OnnxValueInfo> Declared(IEnumerable<ValueInfoProto> infos, string file) =>
        infos.Select(v => TypeProtoConverter.IsUnrepresentable(v.Type)
            ? new OnnxValueInfo(v.Name, null, true)
            : new OnnxValueInfo(v.Name, TypeProtoConverter.ToValueType(v.Type, $"{file}: value '{v.Name}'"), false)).ToList();

    internal static ModelProto ReadModel(string path)
    {
        if (!File.Exists(path))
            throw new StrataException(ErrorCode.FileNotFound, $"model file '{path}' does not exist", "check the path", path);
        return ParseModel(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    internal static ModelProto ParseModel(ReadOnlySpan<byte> bytes, string location)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StrataException(ErrorCode.MalformedModel, $"the file is not a valid ONNX protobuf: {e.Message}",
                "the file may be truncated or not an ONNX model; re-export or re-download it", location, e);
        }
    }

    internal static Graph.Graph Import(ModelProto model, string? baseDirectory, string fileName, OnnxImportOptions? options)
    {
        options ??= OnnxImportOptions.Default;
        if (model.Graph is null)
            throw OnnxErrors.Malformed("the model has no graph", fileName,
                "the file parsed as protobuf but holds no ONNX graph: it is probably not an ONNX model");

        var opsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport)
        {
            string domain = Node.NormalizeDomain(o.Domain);
            if (o.Version < 1 || o.Version > int.MaxValue)
                throw OnnxErrors.Malformed($"opset import for domain '{o.Domain}' has version {o.Version}", fileName);
            opsets[domain] = Math.Max(opsets.GetValueOrDefault(domain), (int)o.Version);
        }
        if (opsets.Count == 0 && model.IrVersion >= 3)
            throw OnnxErrors.Malformed("the model imports no operator set", fileName, "add an opset_import entry");

        var inliner = new FunctionInliner(model.Functions, fileName);
        var graph = new OnnxGraphReader(baseDirectory, opsets, inliner, fileName).Read(model.Graph);
        graph.OpsetImports = opsets;
        AddMetadata(graph, model);

        var registry = options.Registry ?? OpRegistry.Default;
        if (options.Strict) CheckOpsExist(graph, registry, fileName);
        if (options.InferTypes) new TypeInference(registry).Run(graph);
        return graph;
    }

    private static void AddMetadata(Graph.Graph graph, ModelProto model)
    {
        graph.Metadata["onnx.ir_version"] = model.IrVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (model.ProducerName.Length > 0) graph.Metadata["onnx.producer_name"] = model.ProducerName;
        if (model.ProducerVersion.Length > 0) graph.Metadata["onnx.producer_version"] = model.ProducerVersion;
        if (model.Domain.Length > 0) graph.Metadata["onnx.domain"] = model.Domain;
        if (model.ModelVersion != 0) graph.Metadata["onnx.model_version"] = model.ModelVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (model.DocString.Length > 0) graph.Metadata["onnx.doc_string"] = model.DocString;
        foreach (var kv in model.MetadataProps) graph.Metadata[kv.Key] = kv.Value;
    }

    private static void CheckOpsExist(Graph.Graph graph, OpRegistry registry, string fileName)
    {
        foreach (var node in graph.Nodes)
        {
            if (registry.Find(node.Domain, node.OpType) is null)
                throw new StrataException(ErrorCode.UnsupportedOp, $"operator '{node.OpKey}' is not supported",
                    "use a supported op, register a plugin that defines it, or import without strict mode",
                    $"{fileName}: graph '{graph.Name}', {node.Describe()}");
            foreach (var a in node.Attributes.Values)
            {
                if (a.Kind == AttributeKind.Graph) CheckOpsExist(a.AsGraph(), registry, fileName);
                else if (a.Kind == AttributeKind.Graphs) foreach (var g in a.AsGraphs()) CheckOpsExist(g, registry, fileName);
            }
        }
    }
}
