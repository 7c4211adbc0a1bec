using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Encodes a <see cref="Tensor"/> as an ONNX <c>TensorProto</c>: <c>raw_data</c> little-endian
/// (sub-byte types packed, low bits first), strings in <c>string_data</c>.</summary>
internal static class TensorProtoWriter
{
    public static TensorProto Write(Tensor tensor, string name = "")
    {
        var proto = new TensorProto { Name = name, DataType = (int)tensor.DataType };
        foreach (int d in tensor.Shape) proto.Dims.Add(d);
        if (tensor is Tensor<string> strings)
        {
            foreach (var s in strings.Span) proto.StringData.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(s)));
            return proto;
        }
        proto.RawData = ByteString.CopyFrom(RawBytes(tensor));
        return proto;
    }

    /// <summary>The <c>raw_data</c> bytes of a non-string tensor.</summary>
    public static byte[] RawBytes(Tensor tensor)
    {
        if (!BitConverter.IsLittleEndian)
            throw new StrataException(ErrorCode.NotImplemented, "writing ONNX tensors on a big-endian machine is not supported");
        return tensor switch
        {
            Tensor<float> t => Bytes(t),
            Tensor<double> t => Bytes(t),
            Tensor<Half> t => Bytes(t),
            Tensor<BFloat16> t => Bytes(t),
            Tensor<sbyte> t => Bytes(t),
            Tensor<short> t => Bytes(t),
            Tensor<int> t => Bytes(t),
            Tensor<long> t => Bytes(t),
            Tensor<byte> t => Bytes(t),
            Tensor<ushort> t => Bytes(t),
            Tensor<uint> t => Bytes(t),
            Tensor<ulong> t => Bytes(t),
            Tensor<bool> t => BoolBytes(t.Span),
            Tensor<Float8E4M3FN> t => Bytes(t),
            Tensor<Float8E4M3FNUZ> t => Bytes(t),
            Tensor<Float8E5M2> t => Bytes(t),
            Tensor<Float8E5M2FNUZ> t => Bytes(t),
            Tensor<Float8E8M0> t => Bytes(t),
            Tensor<Int4> or Tensor<UInt4> or Tensor<Float4E2M1> => SubByte.Pack(SubByte.Codes(tensor), 2),
            Tensor<Int2> or Tensor<UInt2> => SubByte.Pack(SubByte.Codes(tensor), 4),
            _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"cannot write a {tensor.DataType} tensor to ONNX",
                "use a supported element type"),
        };
    }

    private static byte[] Bytes<T>(Tensor<T> t) where T : unmanaged => MemoryMarshal.AsBytes(t.Span).ToArray();

    private static byte[] BoolBytes(ReadOnlySpan<bool> s)
    {
        var r = new byte[s.Length];
        for (int i = 0; i < r.Length; i++) r[i] = s[i] ? (byte)1 : (byte)0;
        return r;
    }
}
