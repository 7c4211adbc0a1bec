using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Strata.Core;

/// <summary>Reads and writes NumPy <c>.npy</c> files (format versions 1–3, C order), the interchange format of
/// <c>strata run</c>. Supported dtypes: little-endian f2/f4/f8, i1–i8, u1–u8, b1, and U (unicode strings).</summary>
public static partial class NpyFormat
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Tensor Read(string path)
    {
        using var s = File.OpenRead(path);
        try { return Read(s); }
        catch (StrataException e) { throw e.WithLocation(path); }
    }

    public static Tensor Read(Stream stream)
    {
        var r = new BinaryReader(stream);
        var magic = r.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw Bad("not a .npy file (bad magic bytes)");
        byte major = r.ReadByte();
        r.ReadByte();
        int headerLen = major switch
        {
            1 => r.ReadUInt16(),
            2 or 3 => checked((int)r.ReadUInt32()),
            _ => throw Bad($"unsupported .npy format version {major}"),
        };
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(r.ReadBytes(headerLen));
        var descr = HeaderField(header, "descr") ?? throw Bad("header has no 'descr'");
        var fortran = HeaderField(header, "fortran_order") ?? "False";
        var shapeText = HeaderField(header, "shape") ?? throw Bad("header has no 'shape'");
        if (fortran == "True")
            throw Bad("Fortran-ordered arrays are not supported", "save the array with np.ascontiguousarray(a) first");
        var shape = shapeText.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        descr = descr.Trim('\'', '"');
        if (descr.Length > 0 && descr[0] == '>' && descr[1..] is not ("i1" or "u1" or "b1"))
            throw Bad($"big-endian dtype '{descr}' is not supported", "convert with a.astype(a.dtype.newbyteorder('<'))");
        string code = descr.TrimStart('<', '|', '=');
        int n = ShapeMath.Size(shape);
        if (code.StartsWith('U'))
        {
            int width = int.Parse(code[1..], CultureInfo.InvariantCulture);
            var strings = new string[n];
            for (int i = 0; i < n; i++)
            {
                var chars = r.ReadBytes(4 * width);
                if (chars.Length != 4 * width) throw Bad("file is truncated");
                strings[i] = Encoding.UTF32.GetString(chars).TrimEnd('\0');
            }
            return new Tensor<string>(strings, shape);
        }
        var type = code switch
        {
            "f2" => DataType.Float16, "f4" => DataType.Float32, "f8" => DataType.Float64,
            "i1" => DataType.Int8, "i2" => DataType.Int16, "i4" => DataType.Int32, "i8" => DataType.Int64,
            "u1" => DataType.UInt8, "u2" => DataType.UInt16, "u4" => DataType.UInt32, "u8" => DataType.UInt64,
            "b1" => DataType.Bool,
            _ => throw Bad($"unsupported .npy dtype '{descr}'", "use a float, int, uint, bool or unicode array"),
        };
        var t = TensorFactory.Create(type, shape);
        int bytes = n * (type.BitWidth() / 8);
        var data = r.ReadBytes(bytes);
        if (data.Length != bytes) throw Bad($"file is truncated: expected {bytes} data bytes, found {data.Length}");
        CopyBytes(data, t);
        return t;
    }

    public static void Write(Tensor tensor, string path)
    {
        using var s = File.Create(path);
        Write(tensor, s);
    }

    public static void Write(Tensor tensor, Stream stream)
    {
        string descr;
        byte[] data;
        if (tensor is Tensor<string> st)
        {
            int width = Math.Max(1, st.Span.ToArray().Select(x => x.Length).DefaultIfEmpty(1).Max());
            descr = $"<U{width}";
            data = new byte[st.Length * width * 4];
            for (int i = 0; i < st.Length; i++)
                Encoding.UTF32.GetBytes(st[i], 0, st[i].Length, data, i * width * 4);
        }
        else
        {
            descr = tensor.DataType switch
            {
                DataType.Float16 => "<f2", DataType.Float32 => "<f4", DataType.Float64 => "<f8",
                DataType.Int8 => "|i1", DataType.Int16 => "<i2", DataType.Int32 => "<i4", DataType.Int64 => "<i8",
                DataType.UInt8 => "|u1", DataType.UInt16 => "<u2", DataType.UInt32 => "<u4", DataType.UInt64 => "<u8",
                DataType.Bool => "|b1",
                _ => null!,
            };
            if (descr is null)
            {
                // No numpy dtype: widen to float32 (bf16, float8, float4) or int8/uint8 (int4, int2), values exact.
                var wide = tensor.DataType.IsFloatingPoint()
                    ? TensorConvert.FromDoubles(DataType.Float32, TensorConvert.ToDoubles(tensor), tensor.Shape)
                    : TensorConvert.FromDoubles(tensor.DataType.IsSignedInteger() ? DataType.Int8 : DataType.UInt8, TensorConvert.ToDoubles(tensor), tensor.Shape);
                Write(wide, stream);
                return;
            }
            data = ToBytes(tensor);
        }
        string shape = tensor.Rank switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape) + ")",
        };
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var w = new BinaryWriter(stream);
        w.Write(Magic);
        w.Write((byte)1);
        w.Write((byte)0);
        w.Write((ushort)header.Length);
        w.Write(Encoding.Latin1.GetBytes(header));
        w.Write(data);
        w.Flush();
    }

    private static void CopyBytes(byte[] src, Tensor dst)
    {
        switch (dst)
        {
            case Tensor<float> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<double> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<Half> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<sbyte> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<short> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<int> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<long> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<byte> t: src.AsSpan().CopyTo(t.Span); break;
            case Tensor<ushort> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<uint> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<ulong> t: src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span)); break;
            case Tensor<bool> t: for (int i = 0; i < src.Length; i++) t[i] = src[i] != 0; break;
        }
    }

    private static byte[] ToBytes(Tensor t) => t switch
    {
        Tensor<bool> b => b.ToArray().Select(x => (byte)(x ? 1 : 0)).ToArray(),
        Tensor<float> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<double> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<Half> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<sbyte> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<short> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<int> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<long> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<byte> x => x.ToArray(),
        Tensor<ushort> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<uint> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        Tensor<ulong> x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Span).ToArray(),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"cannot write {t.DataType} to .npy"),
    };

    private static string? HeaderField(string header, string key)
    {
        var m = Regex.Match(header, $@"['""]{key}['""]\s*:\s*(\([^)]*\)|'[^']*'|""[^""]*""|\w+)");
        return m.Success ? m.Groups[1].Value : null;
    }

    private static StrataException Bad(string message, string? hint = null) =>
        new(ErrorCode.InvalidInputFile, message, hint ?? "write the file with numpy.save");
}
