using System.Runtime.InteropServices;
using System.Text;
using Strata.Core;

namespace Strata.Graph.Text;

/// <summary>The data part of a tensor literal. Numeric, bool and low-precision tensors are their raw
/// little-endian element bytes as one hex string (<c>dense&lt;"0x0000803F"&gt;</c>): f32 four bytes an element,
/// f16/bf16 two, bool one byte 0/1, and the 8-, 4- and 2-bit formats one byte an element holding the
/// element's bits (sign-extended for int4/int2) exactly as Strata stores them unpacked. String tensors are a
/// JSON-style list (<c>dense&lt;["a", "b"]&gt;</c>).</summary>
public static class TensorText
{
    /// <summary>Appends <c>dense&lt;…&gt;</c> for <paramref name="t"/> (the type is printed by the caller).</summary>
    public static void AppendDense(StringBuilder sb, Tensor t)
    {
        sb.Append("dense<");
        if (t is Tensor<string> s)
        {
            sb.Append('[');
            var span = s.Span;
            for (int i = 0; i < span.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                TextSyntax.AppendQuoted(sb, span[i]);
            }
            sb.Append(']');
        }
        else
        {
            sb.Append("\"0x").Append(Convert.ToHexString(ToBytes(t))).Append('"');
        }
        sb.Append('>');
    }

    /// <summary>The element bytes of a non-string tensor, as printed.</summary>
    public static byte[] ToBytes(Tensor t) => t switch
    {
        Tensor<float> x => Bytes(x),
        Tensor<double> x => Bytes(x),
        Tensor<Half> x => Bytes(x),
        Tensor<BFloat16> x => Bytes(x),
        Tensor<sbyte> x => Bytes(x),
        Tensor<short> x => Bytes(x),
        Tensor<int> x => Bytes(x),
        Tensor<long> x => Bytes(x),
        Tensor<byte> x => Bytes(x),
        Tensor<ushort> x => Bytes(x),
        Tensor<uint> x => Bytes(x),
        Tensor<ulong> x => Bytes(x),
        Tensor<bool> x => BoolBytes(x),
        Tensor<Float8E4M3FN> x => Bytes(x),
        Tensor<Float8E4M3FNUZ> x => Bytes(x),
        Tensor<Float8E5M2> x => Bytes(x),
        Tensor<Float8E5M2FNUZ> x => Bytes(x),
        Tensor<Float8E8M0> x => Bytes(x),
        Tensor<Float4E2M1> x => Bytes(x),
        Tensor<Int4> x => Bytes(x),
        Tensor<UInt4> x => Bytes(x),
        Tensor<Int2> x => Bytes(x),
        Tensor<UInt2> x => Bytes(x),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"tensors of {t.DataType} have no text form",
            "use a supported element type"),
    };

    /// <summary>Bytes per element in the hex form.</summary>
    public static int ElementBytes(DataType type) => type switch
    {
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        DataType.String or DataType.Undefined or DataType.Complex64 or DataType.Complex128 => 0,
        _ => 1,
    };

    /// <summary>A tensor of <paramref name="type"/> and <paramref name="shape"/> from its element bytes.
    /// The byte count must be exact; the caller reports the error position.</summary>
    public static Tensor FromBytes(DataType type, int[] shape, byte[] bytes)
    {
        long expected = (long)ShapeMath.Size(shape) * ElementBytes(type);
        if (bytes.Length != expected)
            throw new StrataException(ErrorCode.ParseError,
                $"{type.ShortName()}{ShapeMath.Format(shape)} needs {expected} bytes of data, the literal has {bytes.Length}",
                "give exactly the element bytes of the tensor in hex");
        var t = TensorFactory.Create(type, shape);
        switch (t)
        {
            case Tensor<bool> b:
                for (int i = 0; i < bytes.Length; i++) b[i] = bytes[i] != 0;
                break;
            case Tensor<float> x: Fill(x, bytes); break;
            case Tensor<double> x: Fill(x, bytes); break;
            case Tensor<Half> x: Fill(x, bytes); break;
            case Tensor<BFloat16> x: Fill(x, bytes); break;
            case Tensor<sbyte> x: Fill(x, bytes); break;
            case Tensor<short> x: Fill(x, bytes); break;
            case Tensor<int> x: Fill(x, bytes); break;
            case Tensor<long> x: Fill(x, bytes); break;
            case Tensor<byte> x: Fill(x, bytes); break;
            case Tensor<ushort> x: Fill(x, bytes); break;
            case Tensor<uint> x: Fill(x, bytes); break;
            case Tensor<ulong> x: Fill(x, bytes); break;
            case Tensor<Float8E4M3FN> x: Fill(x, bytes); break;
            case Tensor<Float8E4M3FNUZ> x: Fill(x, bytes); break;
            case Tensor<Float8E5M2> x: Fill(x, bytes); break;
            case Tensor<Float8E5M2FNUZ> x: Fill(x, bytes); break;
            case Tensor<Float8E8M0> x: Fill(x, bytes); break;
            case Tensor<Float4E2M1> x: Fill(x, bytes); break;
            case Tensor<Int4> x: Fill(x, bytes); break;
            case Tensor<UInt4> x: Fill(x, bytes); break;
            case Tensor<Int2> x: Fill(x, bytes); break;
            case Tensor<UInt2> x: Fill(x, bytes); break;
            default:
                throw new StrataException(ErrorCode.ParseError, $"{type.ShortName()} tensors cannot be written as bytes",
                    "write string tensors as a list of strings");
        }
        return t;
    }

    private static byte[] Bytes<T>(Tensor<T> t) where T : unmanaged =>
        BitConverter.IsLittleEndian ? MemoryMarshal.AsBytes(t.Span).ToArray() : Swap(MemoryMarshal.AsBytes(t.Span).ToArray(), System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    private static byte[] BoolBytes(Tensor<bool> t)
    {
        var span = t.Span;
        var r = new byte[span.Length];
        for (int i = 0; i < r.Length; i++) r[i] = span[i] ? (byte)1 : (byte)0;
        return r;
    }

    private static void Fill<T>(Tensor<T> t, byte[] bytes) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) bytes = Swap(bytes, System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        bytes.AsSpan().CopyTo(MemoryMarshal.AsBytes(t.Span));
    }

    private static byte[] Swap(byte[] bytes, int size)
    {
        if (size > 1)
            for (int i = 0; i + size <= bytes.Length; i += size) Array.Reverse(bytes, i, size);
        return bytes;
    }
}
