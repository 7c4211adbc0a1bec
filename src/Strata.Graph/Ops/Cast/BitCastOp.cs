using System.Runtime.InteropServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>BitCast (opset 26): reinterprets each element's bits as another type of the same bit width
/// (little endian). bool reads as 0/1 and any nonzero byte becomes true; 4- and 2-bit types use their codes.</summary>
internal static class BitCastOp
{
    public static OpSchema Schema() => new("", "BitCast",
        c => [c.InputTensor(0) is { } x ? new TensorType(TargetType(c.Node, x.ElementType, c.Error), x.Shape) : null],
        c => [Evaluate(c)]);

    private static DataType TargetType(Node node, DataType from, Func<ErrorCode, string, string?, StrataException> error)
    {
        var to = (DataType)node.GetInt("to", 0);
        if (node.Attr("to") is null || to.ClrType() is null || to == DataType.String || from == DataType.String)
            throw error(ErrorCode.UnsupportedDataType, $"BitCast from {from} to {to} is not supported",
                "set 'to' to a non-string ONNX element type (complex is not supported here)");
        if (from.BitWidth() != to.BitWidth())
            throw error(ErrorCode.TypeMismatch, $"BitCast needs equal bit widths, {from} has {from.BitWidth()} and {to} has {to.BitWidth()}",
                "pick a target type of the same width, or use Cast to convert values");
        return to;
    }

    private static Tensor Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var to = TargetType(c.Node, x.DataType, c.Error);
        var result = TensorFactory.Create(to, x.Shape);
        if (to.BitWidth() < 8)
        {
            var codes = SubByteCodes(x);
            switch (result)
            {
                case Tensor<Int4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int4.FromBits(codes[i]); break; }
                case Tensor<UInt4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt4.FromBits(codes[i]); break; }
                case Tensor<Float4E2M1> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new Float4E2M1((byte)(codes[i] & 0xF)); break; }
                case Tensor<Int2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int2.FromBits(codes[i]); break; }
                case Tensor<UInt2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt2.FromBits(codes[i]); break; }
            }
            return result;
        }
        var source = Bytes(x);
        if (result is Tensor<bool> b)
        {
            var d = b.Span;
            for (int i = 0; i < d.Length; i++) d[i] = source[i] != 0;
        }
        else
        {
            source.CopyTo(Bytes(result));
        }
        return result;
    }

    private static byte[] SubByteCodes(Tensor t)
    {
        var r = new byte[t.Length];
        switch (t)
        {
            case Tensor<Int4> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = s[i].Bits; break; }
            case Tensor<UInt4> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = s[i].Bits; break; }
            case Tensor<Float4E2M1> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i].Bits & 0xF); break; }
            case Tensor<Int2> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = s[i].Bits; break; }
            case Tensor<UInt2> a: { var s = a.Span; for (int i = 0; i < r.Length; i++) r[i] = s[i].Bits; break; }
            default: throw new ArgumentException($"{t.DataType} is not a sub-byte type", nameof(t));
        }
        return r;
    }

    /// <summary>The storage of a tensor of a type 8 bits or wider, as little-endian bytes.</summary>
    private static Span<byte> Bytes(Tensor t) => t switch
    {
        Tensor<float> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<double> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Half> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<BFloat16> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<sbyte> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<short> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<int> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<long> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<byte> a => a.Span,
        Tensor<ushort> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<uint> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<ulong> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<bool> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Float8E4M3FN> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Float8E4M3FNUZ> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Float8E5M2> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Float8E5M2FNUZ> a => MemoryMarshal.AsBytes(a.Span),
        Tensor<Float8E8M0> a => MemoryMarshal.AsBytes(a.Span),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"BitCast does not support {t.DataType}", "use a numeric or bool tensor"),
    };
}
