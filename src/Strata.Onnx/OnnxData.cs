using Google.Protobuf;
using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Reads and writes ONNX test data files: one serialized <c>TensorProto</c>, <c>SequenceProto</c>
/// or <c>OptionalProto</c> per file (the layout of ONNX's <c>test_data_set_N/input_i.pb</c>).</summary>
public static class OnnxData
{
    /// <summary>Reads a value file. Which message the file holds follows <paramref name="expected"/>:
    /// a <see cref="SequenceType"/> reads a SequenceProto, an <see cref="OptionalType"/> an OptionalProto,
    /// anything else (or null) a TensorProto.</summary>
    public static RuntimeValue ReadValue(string path, Core.ValueType? expected = null)
    {
        var bytes = ReadBytes(path);
        string location = path;
        return expected switch
        {
            SequenceType s => ReadSequence(Parse(SequenceProto.Parser, bytes, location), s, location),
            OptionalType o => ReadOptional(Parse(OptionalProto.Parser, bytes, location), o, location),
            _ => TensorProtoReader.Read(Parse(TensorProto.Parser, bytes, location), Path.GetDirectoryName(Path.GetFullPath(path)), location),
        };
    }

    /// <summary>Reads a TensorProto file.</summary>
    public static Tensor ReadTensor(string path) => (Tensor)ReadValue(path, null);

    /// <summary>The <c>name</c> field stored in a value file (empty if none).</summary>
    public static string ReadName(string path, Core.ValueType? expected = null)
    {
        var bytes = ReadBytes(path);
        return expected switch
        {
            SequenceType => Parse(SequenceProto.Parser, bytes, path).Name,
            OptionalType => Parse(OptionalProto.Parser, bytes, path).Name,
            _ => Parse(TensorProto.Parser, bytes, path).Name,
        };
    }

    /// <summary>Writes <paramref name="tensor"/> as a TensorProto file (raw_data, little-endian).</summary>
    public static void WriteTensor(Tensor tensor, string path, string name = "") =>
        File.WriteAllBytes(path, TensorProtoWriter.Write(tensor, name).ToByteArray());

    /// <summary>Decodes a serialized TensorProto.</summary>
    public static Tensor ParseTensor(ReadOnlySpan<byte> bytes, string location = "tensor") =>
        TensorProtoReader.Read(Parse(TensorProto.Parser, bytes.ToArray(), location), null, location);

    /// <summary>Serializes <paramref name="tensor"/> as a TensorProto.</summary>
    public static byte[] SerializeTensor(Tensor tensor, string name = "") => TensorProtoWriter.Write(tensor, name).ToByteArray();

    private static RuntimeValue ReadSequence(SequenceProto p, SequenceType expected, string location)
    {
        var items = new List<RuntimeValue>();
        switch ((SequenceProto.Types.DataType)p.ElemType)
        {
            case SequenceProto.Types.DataType.Tensor:
                foreach (var t in p.TensorValues) items.Add(TensorProtoReader.Read(t, null, location));
                break;
            case SequenceProto.Types.DataType.SparseTensor:
                foreach (var s in p.SparseTensorValues) items.Add(SparseTensorReader.Read(s, t => TensorProtoReader.Read(t, null, location), location));
                break;
            case SequenceProto.Types.DataType.Sequence:
                foreach (var s in p.SequenceValues)
                    items.Add(ReadSequence(s, expected.ElementType as SequenceType ?? new SequenceType(new TensorType(DataType.Undefined, null)), location));
                break;
            case SequenceProto.Types.DataType.Optional:
                foreach (var o in p.OptionalValues)
                    items.Add(ReadOptional(o, expected.ElementType as OptionalType ?? new OptionalType(new TensorType(DataType.Undefined, null)), location));
                break;
            case SequenceProto.Types.DataType.Undefined when p.TensorValues.Count == 0 && p.SequenceValues.Count == 0:
                break;
            default:
                throw new StrataException(ErrorCode.UnsupportedDataType, $"sequence element kind {p.ElemType} is not supported",
                    "Strata reads sequences of tensors, sequences and optionals", location);
        }
        var elementType = ElementTypeOf(expected.ElementType, items);
        return new TensorSequence(elementType, items);
    }

    private static RuntimeValue ReadOptional(OptionalProto p, OptionalType expected, string location)
    {
        RuntimeValue? value = (OptionalProto.Types.DataType)p.ElemType switch
        {
            OptionalProto.Types.DataType.Tensor => p.TensorValue is { } t ? TensorProtoReader.Read(t, null, location) : null,
            OptionalProto.Types.DataType.SparseTensor => p.SparseTensorValue is { } s
                ? SparseTensorReader.Read(s, t => TensorProtoReader.Read(t, null, location), location) : null,
            OptionalProto.Types.DataType.Sequence => p.SequenceValue is { } q
                ? ReadSequence(q, expected.ElementType as SequenceType ?? new SequenceType(new TensorType(DataType.Undefined, null)), location) : null,
            OptionalProto.Types.DataType.Optional => p.OptionalValue is { } o
                ? ReadOptional(o, expected.ElementType as OptionalType ?? new OptionalType(new TensorType(DataType.Undefined, null)), location) : null,
            OptionalProto.Types.DataType.Undefined => null,
            _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"optional element kind {p.ElemType} is not supported",
                "Strata reads optionals of tensors and sequences", location),
        };
        var elementType = ElementTypeOf(expected.ElementType, value is null ? [] : [value]);
        return new OptionalValue(elementType, value);
    }

    /// <summary>The declared element type, made exact from the first item where the declaration is vague.</summary>
    private static Core.ValueType ElementTypeOf(Core.ValueType declared, IReadOnlyList<RuntimeValue> items)
    {
        if (items.Count > 0 && declared is TensorType { ElementType: DataType.Undefined } && items[0] is Tensor t)
            return new TensorType(t.DataType, null);
        return declared;
    }

    private static byte[] ReadBytes(string path)
    {
        if (!File.Exists(path))
            throw new StrataException(ErrorCode.FileNotFound, $"data file '{path}' does not exist", "check the path", path);
        return File.ReadAllBytes(path);
    }

    private static T Parse<T>(MessageParser<T> parser, byte[] bytes, string location) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StrataException(ErrorCode.InvalidInputFile, $"the file is not a valid {typeof(T).Name}: {e.Message}",
                "the file may be truncated or hold another kind of value", location, e);
        }
    }
}
