using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Decodes an ONNX <c>TensorProto</c> into a <see cref="Tensor"/>: <c>raw_data</c> (little-endian,
/// 4-bit types two per byte low nibble first, 2-bit types four per byte), the typed <c>*_data</c> fields,
/// and external data files.</summary>
internal static class TensorProtoReader
{
    /// <param name="baseDirectory">Folder that external data locations are relative to (the model's folder);
    /// null when the tensor cannot use external data.</param>
    /// <param name="location">Where the tensor is, for error messages.</param>
    public static Tensor Read(TensorProto proto, string? baseDirectory, string location)
    {
        var type = TypeProtoConverter.ToDataType(proto.DataType, location);
        var shape = ReadShape(proto.Dims, location);
        int n = ShapeMath.Size(shape);

        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
        {
            if (type == DataType.String)
                throw OnnxErrors.BadTensor("string tensors cannot use external data", location);
            var bytes = ExternalData.Read(proto, baseDirectory, location);
            return DecodeRaw(type, bytes, shape, location);
        }
        if (proto.HasRawData)
        {
            if (type == DataType.String)
                throw OnnxErrors.BadTensor("string tensors must use string_data, not raw_data", location);
            return DecodeRaw(type, proto.RawData.Span, shape, location);
        }
        return DecodeTyped(proto, type, shape, n, location);
    }

    public static int[] ReadShape(IList<long> dims, string location)
    {
        var shape = new int[dims.Count];
        long size = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = dims[i];
            if (d < 0 || d > int.MaxValue)
                throw OnnxErrors.Malformed($"tensor dimension {i} is {d}", location, "tensor dims must be between 0 and 2^31-1");
            size *= d;
            if (size > Array.MaxLength)
                throw OnnxErrors.Malformed($"tensor with dims [{string.Join(",", dims)}] is too large", location,
                    "Strata tensors hold at most 2^31 elements");
            shape[i] = (int)d;
        }
        return shape;
    }

    /// <summary>Decodes little-endian raw bytes (the <c>raw_data</c> layout) as a tensor.</summary>
    public static Tensor DecodeRaw(DataType type, ReadOnlySpan<byte> raw, int[] shape, string location)
    {
        int n = ShapeMath.Size(shape);
        int bits = type.BitWidth();
        long expected = bits switch { 4 => (n + 1L) / 2, 2 => (n + 3L) / 4, _ => (long)n * bits / 8 };
        if (raw.Length != expected)
            throw OnnxErrors.BadTensor(
                $"raw data has {raw.Length} bytes but a {type.ShortName()} tensor of shape {ShapeMath.Format(shape)} needs {expected}", location);
        if (!BitConverter.IsLittleEndian)
            throw new StrataException(ErrorCode.NotImplemented, "reading ONNX tensors on a big-endian machine is not supported", null, location);

        return type switch
        {
            DataType.Float32 => Wrap(Cast<float>(raw), shape),
            DataType.Float64 => Wrap(Cast<double>(raw), shape),
            DataType.Float16 => Wrap(Cast<Half>(raw), shape),
            DataType.BFloat16 => Wrap(Cast<BFloat16>(raw), shape),
            DataType.Int8 => Wrap(Cast<sbyte>(raw), shape),
            DataType.Int16 => Wrap(Cast<short>(raw), shape),
            DataType.Int32 => Wrap(Cast<int>(raw), shape),
            DataType.Int64 => Wrap(Cast<long>(raw), shape),
            DataType.UInt8 => Wrap(raw.ToArray(), shape),
            DataType.UInt16 => Wrap(Cast<ushort>(raw), shape),
            DataType.UInt32 => Wrap(Cast<uint>(raw), shape),
            DataType.UInt64 => Wrap(Cast<ulong>(raw), shape),
            DataType.Bool => Wrap(Bools(raw), shape),
            DataType.Float8E4M3FN => Wrap(Cast<Float8E4M3FN>(raw), shape),
            DataType.Float8E4M3FNUZ => Wrap(Cast<Float8E4M3FNUZ>(raw), shape),
            DataType.Float8E5M2 => Wrap(Cast<Float8E5M2>(raw), shape),
            DataType.Float8E5M2FNUZ => Wrap(Cast<Float8E5M2FNUZ>(raw), shape),
            DataType.Float8E8M0 => Wrap(Cast<Float8E8M0>(raw), shape),
            DataType.Int4 or DataType.UInt4 or DataType.Float4E2M1 => SubByte.Unpack(type, Nibbles(raw, n), shape),
            DataType.Int2 or DataType.UInt2 => SubByte.Unpack(type, Crumbs(raw, n), shape),
            _ => throw OnnxErrors.UnsupportedType((int)type, location),
        };
    }

    private static Tensor DecodeTyped(TensorProto p, DataType type, int[] shape, int n, string location)
    {
        switch (type)
        {
            case DataType.Float32:
                return Wrap(Check(p.FloatData, n, "float_data", location).ToArray(), shape);
            case DataType.Float64:
                return Wrap(Check(p.DoubleData, n, "double_data", location).ToArray(), shape);
            case DataType.Int64:
                return Wrap(Check(p.Int64Data, n, "int64_data", location).ToArray(), shape);
            case DataType.UInt64:
                return Wrap(Check(p.Uint64Data, n, "uint64_data", location).ToArray(), shape);
            case DataType.UInt32:
            {
                var src = Check(p.Uint64Data, n, "uint64_data", location);
                var r = new uint[n];
                for (int i = 0; i < n; i++) r[i] = unchecked((uint)src[i]);
                return Wrap(r, shape);
            }
            case DataType.String:
            {
                var src = Check(p.StringData, n, "string_data", location);
                var r = new string[n];
                for (int i = 0; i < n; i++) r[i] = Utf8(src[i]);
                return Wrap(r, shape);
            }
            case DataType.Int4 or DataType.UInt4 or DataType.Float4E2M1:
                return SubByte.Unpack(type, PackedInts(p.Int32Data, n, 2, location), shape);
            case DataType.Int2 or DataType.UInt2:
                return SubByte.Unpack(type, PackedInts(p.Int32Data, n, 4, location), shape);
        }

        // Every other type is carried one element per int32_data entry (bit patterns for the float types).
        var ints = Check(p.Int32Data, n, "int32_data", location);
        return type switch
        {
            DataType.Int32 => Wrap(ints.ToArray(), shape),
            DataType.Int16 => Wrap(Map(ints, v => (short)v), shape),
            DataType.Int8 => Wrap(Map(ints, v => (sbyte)v), shape),
            DataType.UInt16 => Wrap(Map(ints, v => (ushort)v), shape),
            DataType.UInt8 => Wrap(Map(ints, v => (byte)v), shape),
            DataType.Bool => Wrap(Map(ints, v => v != 0), shape),
            DataType.Float16 => Wrap(Map(ints, v => BitConverter.UInt16BitsToHalf((ushort)v)), shape),
            DataType.BFloat16 => Wrap(Map(ints, v => new BFloat16((ushort)v)), shape),
            DataType.Float8E4M3FN => Wrap(Map(ints, v => new Float8E4M3FN((byte)v)), shape),
            DataType.Float8E4M3FNUZ => Wrap(Map(ints, v => new Float8E4M3FNUZ((byte)v)), shape),
            DataType.Float8E5M2 => Wrap(Map(ints, v => new Float8E5M2((byte)v)), shape),
            DataType.Float8E5M2FNUZ => Wrap(Map(ints, v => new Float8E5M2FNUZ((byte)v)), shape),
            DataType.Float8E8M0 => Wrap(Map(ints, v => new Float8E8M0((byte)v)), shape),
            _ => throw OnnxErrors.UnsupportedType((int)type, location),
        };
    }

    /// <summary>The field if it holds exactly <paramref name="n"/> elements (an empty tensor may hold none).</summary>
    private static IList<T> Check<T>(IList<T> field, int n, string fieldName, string location)
    {
        if (field.Count != n)
            throw OnnxErrors.BadTensor(field.Count == 0
                ? $"tensor of {n} elements has no data"
                : $"{fieldName} has {field.Count} elements but the dims need {n}", location);
        return field;
    }

    /// <summary>Sub-byte values from int32_data: packed (one byte of <paramref name="perByte"/> values per
    /// entry, as the spec says) or, as some writers do, one value per entry.</summary>
    private static byte[] PackedInts(IList<int> field, int n, int perByte, string location)
    {
        int packed = (n + perByte - 1) / perByte;
        var r = new byte[n];
        if (field.Count == packed)
        {
            int bits = 8 / perByte, mask = (1 << bits) - 1;
            for (int i = 0; i < n; i++) r[i] = (byte)((field[i / perByte] >> (bits * (i % perByte))) & mask);
        }
        else if (field.Count == n)
        {
            int mask = perByte == 2 ? 0xF : 0x3;
            for (int i = 0; i < n; i++) r[i] = (byte)(field[i] & mask);
        }
        else
        {
            throw OnnxErrors.BadTensor(field.Count == 0 ? $"tensor of {n} elements has no data"
                : $"int32_data has {field.Count} entries but {n} packed elements need {packed}", location);
        }
        return r;
    }

    private static byte[] Nibbles(ReadOnlySpan<byte> raw, int n)
    {
        var r = new byte[n];
        for (int i = 0; i < n; i++) r[i] = (byte)((raw[i >> 1] >> ((i & 1) * 4)) & 0xF);
        return r;
    }

    private static byte[] Crumbs(ReadOnlySpan<byte> raw, int n)
    {
        var r = new byte[n];
        for (int i = 0; i < n; i++) r[i] = (byte)((raw[i >> 2] >> ((i & 3) * 2)) & 0x3);
        return r;
    }

    private static T[] Cast<T>(ReadOnlySpan<byte> raw) where T : unmanaged => MemoryMarshal.Cast<byte, T>(raw).ToArray();

    private static bool[] Bools(ReadOnlySpan<byte> raw)
    {
        var r = new bool[raw.Length];
        for (int i = 0; i < r.Length; i++) r[i] = raw[i] != 0;
        return r;
    }

    private static T[] Map<T>(IList<int> src, Func<int, T> f)
    {
        var r = new T[src.Count];
        for (int i = 0; i < r.Length; i++) r[i] = f(src[i]);
        return r;
    }

    private static Tensor<T> Wrap<T>(T[] data, int[] shape) => new(data, shape);

    public static string Utf8(ByteString s) => Encoding.UTF8.GetString(s.Span);
}
