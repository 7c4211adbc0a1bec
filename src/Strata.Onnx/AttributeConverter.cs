using Strata.Core;
using Strata.Graph;
using Strata.Onnx.Protos;
using Attribute = Strata.Graph.Attribute;
using AttributeType = Strata.Onnx.Protos.AttributeProto.Types.AttributeType;

namespace Strata.Onnx;

/// <summary>Converts ONNX <c>AttributeProto</c>s to <see cref="Attribute"/>s. Sparse tensors become dense
/// tensors; graphs are read by the caller (they need the enclosing scope).</summary>
internal static class AttributeConverter
{
    public static Attribute Read(AttributeProto a, Func<GraphProto, string, Graph.Graph> readGraph,
        Func<TensorProto, string, Tensor> readTensor, string location)
    {
        string where = $"{location}, attribute '{a.Name}'";
        if (a.Name.Length == 0) throw OnnxErrors.Malformed("attribute has no name", location);
        if (a.RefAttrName.Length > 0)
            throw OnnxErrors.Malformed($"attribute refers to '{a.RefAttrName}' of an enclosing function, outside a function", where);
        var type = a.Type == AttributeType.Undefined ? GuessType(a, where) : a.Type;
        return type switch
        {
            AttributeType.Float => new Attribute(a.Name, AttributeKind.Float, a.F),
            AttributeType.Int => new Attribute(a.Name, AttributeKind.Int, a.I),
            AttributeType.String => new Attribute(a.Name, AttributeKind.String, TensorProtoReader.Utf8(a.S)),
            AttributeType.Tensor => new Attribute(a.Name, AttributeKind.Tensor, readTensor(Required(a.T, a, where), where)),
            AttributeType.SparseTensor => new Attribute(a.Name, AttributeKind.Tensor,
                SparseTensorReader.Read(Required(a.SparseTensor, a, where), t => readTensor(t, where), where)),
            AttributeType.Graph => new Attribute(a.Name, AttributeKind.Graph, readGraph(Required(a.G, a, where), where)),
            AttributeType.TypeProto => new Attribute(a.Name, AttributeKind.Type, ReadType(Required(a.Tp, a, where), where)),
            AttributeType.Floats => new Attribute(a.Name, AttributeKind.Floats, a.Floats.ToArray()),
            AttributeType.Ints => new Attribute(a.Name, AttributeKind.Ints, a.Ints.ToArray()),
            AttributeType.Strings => new Attribute(a.Name, AttributeKind.Strings, a.Strings.Select(TensorProtoReader.Utf8).ToArray()),
            AttributeType.Tensors => new Attribute(a.Name, AttributeKind.Tensors, a.Tensors.Select(t => readTensor(t, where)).ToArray()),
            AttributeType.SparseTensors => new Attribute(a.Name, AttributeKind.Tensors,
                a.SparseTensors.Select(s => SparseTensorReader.Read(s, t => readTensor(t, where), where)).ToArray()),
            AttributeType.Graphs => new Attribute(a.Name, AttributeKind.Graphs, a.Graphs.Select(g => readGraph(g, where)).ToArray()),
            AttributeType.TypeProtos => new Attribute(a.Name, AttributeKind.Types, a.TypeProtos.Select(t => ReadType(t, where)).ToArray()),
            _ => throw OnnxErrors.Malformed($"attribute type {(int)a.Type} is unknown", where),
        };
    }

    private static Core.ValueType ReadType(TypeProto t, string where) =>
        TypeProtoConverter.ToValueType(t, where)
        ?? throw new StrataException(ErrorCode.UnsupportedDataType, "type attribute holds a type Strata cannot represent (map or opaque)",
            "use tensor, sequence or optional types", where);

    private static T Required<T>(T? value, AttributeProto a, string where) where T : class =>
        value ?? throw OnnxErrors.Malformed($"attribute of type {a.Type} has no value", where);

    /// <summary>IR version 1 attributes have no type field: infer it from the field that is set.</summary>
    private static AttributeType GuessType(AttributeProto a, string where)
    {
        if (a.HasF) return AttributeType.Float;
        if (a.HasI) return AttributeType.Int;
        if (a.HasS) return AttributeType.String;
        if (a.T is not null) return AttributeType.Tensor;
        if (a.G is not null) return AttributeType.Graph;
        if (a.SparseTensor is not null) return AttributeType.SparseTensor;
        if (a.Tp is not null) return AttributeType.TypeProto;
        if (a.Floats.Count > 0) return AttributeType.Floats;
        if (a.Ints.Count > 0) return AttributeType.Ints;
        if (a.Strings.Count > 0) return AttributeType.Strings;
        if (a.Tensors.Count > 0) return AttributeType.Tensors;
        if (a.Graphs.Count > 0) return AttributeType.Graphs;
        if (a.SparseTensors.Count > 0) return AttributeType.SparseTensors;
        if (a.TypeProtos.Count > 0) return AttributeType.TypeProtos;
        throw OnnxErrors.Malformed("attribute has neither a type nor a value", where);
    }

    /// <summary>Writes an attribute as an <c>AttributeProto</c>.</summary>
    public static AttributeProto Write(Attribute a, Func<Graph.Graph, GraphProto> writeGraph)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Kind)
        {
            case AttributeKind.Float: p.Type = AttributeType.Float; p.F = a.AsFloat(); break;
            case AttributeKind.Int: p.Type = AttributeType.Int; p.I = a.AsInt(); break;
            case AttributeKind.String: p.Type = AttributeType.String; p.S = Google.Protobuf.ByteString.CopyFromUtf8(a.AsString()); break;
            case AttributeKind.Tensor: p.Type = AttributeType.Tensor; p.T = TensorProtoWriter.Write(a.AsTensor()); break;
            case AttributeKind.Graph: p.Type = AttributeType.Graph; p.G = writeGraph(a.AsGraph()); break;
            case AttributeKind.Floats: p.Type = AttributeType.Floats; p.Floats.AddRange(a.AsFloats()); break;
            case AttributeKind.Ints: p.Type = AttributeType.Ints; p.Ints.AddRange(a.AsInts()); break;
            case AttributeKind.Strings:
                p.Type = AttributeType.Strings;
                p.Strings.AddRange(a.AsStrings().Select(Google.Protobuf.ByteString.CopyFromUtf8));
                break;
            case AttributeKind.Tensors: p.Type = AttributeType.Tensors; p.Tensors.AddRange(a.AsTensors().Select(t => TensorProtoWriter.Write(t))); break;
            case AttributeKind.Graphs: p.Type = AttributeType.Graphs; p.Graphs.AddRange(a.AsGraphs().Select(writeGraph)); break;
            case AttributeKind.Type: p.Type = AttributeType.TypeProto; p.Tp = TypeProtoConverter.FromValueType((Core.ValueType)a.Value); break;
            case AttributeKind.Types:
                p.Type = AttributeType.TypeProtos;
                p.TypeProtos.AddRange(((Core.ValueType[])a.Value).Select(TypeProtoConverter.FromValueType));
                break;
            default:
                throw new StrataException(ErrorCode.InvalidAttribute, $"attribute '{a.Name}' of kind {a.Kind} cannot be written to ONNX");
        }
        return p;
    }
}
