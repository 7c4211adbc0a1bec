using CsCheck;
using Google.Protobuf;
using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx.Tests;

/// <summary>TensorProto decoding: raw vs typed fields, sub-byte packing, strings, empty tensors, errors.</summary>
public sealed class TensorDecodingTests
{
    private static Tensor Read(TensorProto p) => TensorProtoReader.Read(p, null, "test");

    private static TensorProto Proto(DataType type, params long[] dims)
    {
        var p = new TensorProto { DataType = (int)type };
        p.Dims.AddRange(dims);
        return p;
    }

    [Fact]
    public void Float_RawAndTyped_Agree()
    {
        var raw = Proto(DataType.Float32, 2, 2);
        raw.RawData = ByteString.CopyFrom(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0xBF });
        var typed = Proto(DataType.Float32, 2, 2);
        typed.FloatData.AddRange([1f, 2f, 3f, -1f]);
        Assert.Equal([1f, 2f, 3f, -1f], Read(raw).As<float>().ToArray());
        Assert.Equal(Read(raw).As<float>().ToArray(), Read(typed).As<float>().ToArray());
        Assert.Equal([2, 2], Read(raw).Shape);
    }

    [Fact]
    public void Int32Data_CarriesSmallTypes()
    {
        var i8 = Proto(DataType.Int8, 3);
        i8.Int32Data.AddRange([-1, 127, -128]);
        Assert.Equal(new sbyte[] { -1, 127, -128 }, Read(i8).As<sbyte>().ToArray());

        var b = Proto(DataType.Bool, 2);
        b.Int32Data.AddRange([1, 0]);
        Assert.Equal([true, false], Read(b).As<bool>().ToArray());

        var h = Proto(DataType.Float16, 1);
        h.Int32Data.Add(0x3C00); // 1.0
        Assert.Equal((Half)1f, Read(h).As<Half>()[0]);

        var bf = Proto(DataType.BFloat16, 1);
        bf.Int32Data.Add(0x4040); // 3.0
        Assert.Equal(3f, (float)Read(bf).As<BFloat16>()[0]);

        var f8 = Proto(DataType.Float8E4M3FN, 1);
        f8.Int32Data.Add(0x38);
        Assert.Equal(0x38, Read(f8).As<Float8E4M3FN>()[0].Bits);

        var u32 = Proto(DataType.UInt32, 1);
        u32.Uint64Data.Add(4000000000);
        Assert.Equal(4000000000u, Read(u32).As<uint>()[0]);
    }

    [Fact]
    public void Int4_Raw_IsTwoPerByte_LowNibbleFirst()
    {
        var p = Proto(DataType.Int4, 3);
        p.RawData = ByteString.CopyFrom(0x21, 0x0F);
        Assert.Equal(new sbyte[] { 1, 2, -1 }, Read(p).As<Int4>().ToArray().Select(v => v.Value));

        var u = Proto(DataType.UInt4, 3);
        u.RawData = ByteString.CopyFrom(0x21, 0x0F);
        Assert.Equal(new byte[] { 1, 2, 15 }, Read(u).As<UInt4>().ToArray().Select(v => v.Value));

        var f4 = Proto(DataType.Float4E2M1, 2);
        f4.RawData = ByteString.CopyFrom(0x9A);
        Assert.Equal(new byte[] { 0xA, 0x9 }, Read(f4).As<Float4E2M1>().ToArray().Select(v => v.Bits));
    }

    [Fact]
    public void Int4_Int32Data_PackedOrOnePerEntry()
    {
        var packed = Proto(DataType.Int4, 3);
        packed.Int32Data.AddRange([0x21, 0x0F]);
        Assert.Equal(new sbyte[] { 1, 2, -1 }, Read(packed).As<Int4>().ToArray().Select(v => v.Value));

        var loose = Proto(DataType.Int4, 4);
        loose.Int32Data.AddRange([1, -2, 7, -8]);
        Assert.Equal(new sbyte[] { 1, -2, 7, -8 }, Read(loose).As<Int4>().ToArray().Select(v => v.Value));
    }

    [Fact]
    public void Int2_IsFourPerByte()
    {
        var u = Proto(DataType.UInt2, 5);
        u.RawData = ByteString.CopyFrom(0b11_10_01_00, 0b10);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 2 }, Read(u).As<UInt2>().ToArray().Select(v => v.Value));

        var s = Proto(DataType.Int2, 4);
        s.RawData = ByteString.CopyFrom(0b11_10_01_00);
        Assert.Equal(new sbyte[] { 0, 1, -2, -1 }, Read(s).As<Int2>().ToArray().Select(v => v.Value));
    }

    [Fact]
    public void Strings_AreUtf8()
    {
        var p = Proto(DataType.String, 2);
        p.StringData.Add(ByteString.CopyFromUtf8("añb"));
        p.StringData.Add(ByteString.Empty);
        Assert.Equal(["añb", ""], Read(p).As<string>().ToArray());
    }

    [Fact]
    public void EmptyTensor_NeedsNoData()
    {
        var t = Read(Proto(DataType.Float32, 0, 3));
        Assert.Equal([0, 3], t.Shape);
        Assert.Equal(0, t.Length);
        Assert.Equal(DataType.Int64, Read(Proto(DataType.Int64, 2, 0)).DataType);
    }

    [Fact]
    public void Scalar_HasNoDims()
    {
        var p = Proto(DataType.Int64);
        p.Int64Data.Add(42);
        var t = Read(p);
        Assert.Empty(t.Shape);
        Assert.Equal(42L, t.As<long>()[0]);
    }

    [Fact]
    public void WrongSizes_AreInvalidTensorData()
    {
        var raw = Proto(DataType.Float32, 2);
        raw.RawData = ByteString.CopyFrom(1, 2, 3);
        Assert.Equal(ErrorCode.InvalidTensorData, Assert.Throws<StrataException>(() => Read(raw)).Code);
        var typed = Proto(DataType.Int64, 3);
        typed.Int64Data.Add(1);
        Assert.Equal(ErrorCode.InvalidTensorData, Assert.Throws<StrataException>(() => Read(typed)).Code);
        Assert.Equal(ErrorCode.InvalidTensorData, Assert.Throws<StrataException>(() => Read(Proto(DataType.Float32, 2))).Code);
        Assert.Equal(ErrorCode.MalformedModel, Assert.Throws<StrataException>(() => Read(Proto(DataType.Float32, -1))).Code);
        Assert.Equal(ErrorCode.MalformedModel, Assert.Throws<StrataException>(() => Read(Proto(DataType.Float32, 1 << 20, 1 << 20))).Code);
        Assert.Equal(ErrorCode.UnsupportedDataType, Assert.Throws<StrataException>(() => Read(new TensorProto { DataType = 99 })).Code);
    }

    public static TheoryData<DataType> AllTypes() => new(DataTypes.All.Where(t => t.ClrType() is not null));

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void WriteThenRead_RoundTrips(DataType type)
    {
        Gen.Int[0, 9].Array[0, 3].Select(Gen.Int).Sample((shape, seed) =>
        {
            var t = RandomTensor(type, shape, new Random(seed));
            var back = OnnxData.ParseTensor(OnnxData.SerializeTensor(t, "x"));
            Assert.Equal(t.DataType, back.DataType);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(t.ToArray().Cast<object>(), back.ToArray().Cast<object>());
        }, iter: 50);
    }

    /// <summary>Random bits reinterpreted as the element type (raw bytes decode, so every pattern is valid).</summary>
    private static Tensor RandomTensor(DataType type, int[] shape, Random random)
    {
        int n = ShapeMath.Size(shape);
        if (type == DataType.String)
            return Tensor<string>.FromArray(Enumerable.Range(0, n).Select(_ => random.Next().ToString("x")).ToArray(), shape);
        int bits = type.BitWidth();
        var raw = new byte[bits switch { 4 => (n + 1) / 2, 2 => (n + 3) / 4, _ => n * bits / 8 }];
        random.NextBytes(raw);
        if (type == DataType.Bool) for (int i = 0; i < raw.Length; i++) raw[i] &= 1;
        if (bits == 4 && n % 2 == 1) raw[^1] &= 0x0F;
        if (bits == 2 && n % 4 != 0) raw[^1] &= (byte)((1 << (2 * (n % 4))) - 1);
        return TensorProtoReader.DecodeRaw(type, raw, shape, "test");
    }
}
