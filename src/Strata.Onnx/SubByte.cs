using Strata.Core;

namespace Strata.Onnx;

/// <summary>Packing and unpacking of the 4-bit (int4, uint4, float4e2m1) and 2-bit (int2, uint2) types:
/// ONNX stores them packed, low bits first; Strata holds one element per struct.</summary>
internal static class SubByte
{
    /// <summary>Builds a tensor from one unpacked code per element (the low 4 or 2 bits of each byte).</summary>
    public static Tensor Unpack(DataType type, byte[] codes, int[] shape)
    {
        int n = codes.Length;
        switch (type)
        {
            case DataType.Int4:
            {
                var r = new Int4[n];
                for (int i = 0; i < n; i++) r[i] = new Int4((sbyte)((sbyte)(codes[i] << 4) >> 4));
                return new Tensor<Int4>(r, shape);
            }
            case DataType.UInt4:
            {
                var r = new UInt4[n];
                for (int i = 0; i < n; i++) r[i] = new UInt4(codes[i]);
                return new Tensor<UInt4>(r, shape);
            }
            case DataType.Float4E2M1:
            {
                var r = new Float4E2M1[n];
                for (int i = 0; i < n; i++) r[i] = new Float4E2M1(codes[i]);
                return new Tensor<Float4E2M1>(r, shape);
            }
            case DataType.Int2:
            {
                var r = new Int2[n];
                for (int i = 0; i < n; i++) r[i] = new Int2((sbyte)((sbyte)(codes[i] << 6) >> 6));
                return new Tensor<Int2>(r, shape);
            }
            case DataType.UInt2:
            {
                var r = new UInt2[n];
                for (int i = 0; i < n; i++) r[i] = new UInt2(codes[i]);
                return new Tensor<UInt2>(r, shape);
            }
            default:
                throw new ArgumentException($"{type} is not a sub-byte type", nameof(type));
        }
    }

    /// <summary>The code (low bits) of each element of a sub-byte tensor.</summary>
    public static byte[] Codes(Tensor t)
    {
        var r = new byte[t.Length];
        switch (t)
        {
            case Tensor<Int4> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Value & 0xF); break; }
            case Tensor<UInt4> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Value & 0xF); break; }
            case Tensor<Float4E2M1> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Bits & 0xF); break; }
            case Tensor<Int2> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Value & 0x3); break; }
            case Tensor<UInt2> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Value & 0x3); break; }
            default: throw new ArgumentException($"{t.DataType} is not a sub-byte type", nameof(t));
        }
        return r;
    }

    /// <summary>Packs codes <paramref name="perByte"/> to a byte, first element in the lowest bits.</summary>
    public static byte[] Pack(byte[] codes, int perByte)
    {
        int bits = 8 / perByte;
        var r = new byte[(codes.Length + perByte - 1) / perByte];
        for (int i = 0; i < codes.Length; i++) r[i / perByte] |= (byte)(codes[i] << (bits * (i % perByte)));
        return r;
    }
}
