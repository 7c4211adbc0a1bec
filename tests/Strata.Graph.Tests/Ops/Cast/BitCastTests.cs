using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Cast.CastHarness;

namespace Strata.Graph.Tests.Ops.Cast;

public class BitCastTests
{
    [Fact]
    public void FloatBitsMatchBitConverter() =>
        Gen.Float.Array[0, 10].Sample(values =>
        {
            var bits = ((Tensor<int>)Run("BitCast", [T(values)], To(DataType.Int32))).ToArray();
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), bits);
            var back = ((Tensor<float>)Run("BitCast", [T(bits)], To(DataType.Float32))).ToArray();
            Assert.Equal(bits, back.Select(BitConverter.SingleToInt32Bits));
        });

    [Fact]
    public void SameWidthTypes()
    {
        Assert.Equal([-1L], ((Tensor<long>)Run("BitCast", [T(ulong.MaxValue)], To(DataType.Int64))).ToArray());
        Assert.Equal([(ushort)0x3C00], ((Tensor<ushort>)Run("BitCast", [T((Half)1f)], To(DataType.UInt16))).ToArray());
        Assert.Equal([1f], ((Tensor<BFloat16>)Run("BitCast", [T((short)0x3F80)], To(DataType.BFloat16))).ToArray().Select(v => (float)v));
        Assert.Equal([(byte)1, 0], ((Tensor<byte>)Run("BitCast", [T(true, false)], To(DataType.UInt8))).ToArray());
        Assert.Equal([true, false, true], ((Tensor<bool>)Run("BitCast", [T((byte)1, (byte)0, (byte)2)], To(DataType.Bool))).ToArray());
        Assert.Equal([448f], ((Tensor<Float8E4M3FN>)Run("BitCast", [T((sbyte)0x7E)], To(DataType.Float8E4M3FN))).ToArray().Select(v => (float)v));
        Assert.Equal([15, 8], ((Tensor<UInt4>)Run("BitCast", [T(new Int4(-1), new Int4(-8))], To(DataType.UInt4))).ToArray().Select(v => (int)v.Value));
        Assert.Equal([-6f], ((Tensor<Float4E2M1>)Run("BitCast", [T(new UInt4(15))], To(DataType.Float4E2M1))).ToArray().Select(v => (float)v));
        Assert.Equal([-1], ((Tensor<Int2>)Run("BitCast", [T(new UInt2(3))], To(DataType.Int2))).ToArray().Select(v => (int)v.Value));
    }

    [Fact]
    public void WidthsMustMatch()
    {
        Assert.Throws<StrataException>(() => Run("BitCast", [T(1f)], To(DataType.Int64)));
        Assert.Throws<StrataException>(() => Run("BitCast", [T(1f)], To(DataType.String)));
        Assert.Throws<StrataException>(() => Run("BitCast", [T("a")], To(DataType.Int64)));
        Assert.Throws<StrataException>(() => Run("BitCast", [T(new Int4(1))], To(DataType.UInt8)));
    }
}
