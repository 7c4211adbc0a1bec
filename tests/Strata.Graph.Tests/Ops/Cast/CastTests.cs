using System.Globalization;
using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Cast.CastHarness;

namespace Strata.Graph.Tests.Ops.Cast;

public class CastTests
{
    private static T[] Cast<T>(Tensor x, DataType to, params Attribute[] extra) =>
        ((Tensor<T>)Run("Cast", [x], [To(to), .. extra])).ToArray();

    [Fact]
    public void IntegersWrapToNarrowerIntegers()
    {
        Assert.Equal([(sbyte)-56, 127, -128, 0], Cast<sbyte>(T<short>(200, 127, 128, 256), DataType.Int8));
        Assert.Equal([ulong.MaxValue, 5UL], Cast<ulong>(T<long>(-1, 5), DataType.UInt64));
        Assert.Equal([-1L, 1L << 63], Cast<long>(T<ulong>(ulong.MaxValue, 1UL << 63), DataType.Int64));
        Assert.Equal([7, -8, -7, -1, 0], Cast<Int4>(T<int>(-9, -8, -7, 15, 16), DataType.Int4).Select(v => (int)v.Value));
        Assert.Equal([7, 0, 15, 1], Cast<UInt4>(T<long>(-9, 16, -1, 17), DataType.UInt4).Select(v => (int)v.Value));
        Assert.Equal([1, -2, -1, 0], Cast<Int2>(T<sbyte>(-3, -2, -1, 0), DataType.Int2).Select(v => (int)v.Value));
    }

    [Fact]
    public void FloatToIntegerTruncatesTowardZero()
    {
        Assert.Equal([2, -2, 0, 0, 100], Cast<int>(T(2.7f, -2.7f, 0.5f, -0.5f, 100.99f), DataType.Int32));
        Assert.Equal([2L, -2L], Cast<long>(T(2.999, -2.999), DataType.Int64));
        Assert.Equal([7, -8, 1], Cast<Int4>(T(-9f, -8f, 1.9f), DataType.Int4).Select(v => (int)v.Value));
        Assert.Equal([(byte)3], Cast<byte>(T((Half)3.5f), DataType.UInt8));
    }

    [Fact]
    public void BoolConversions()
    {
        Assert.Equal([false, false, true, true, true], Cast<bool>(T(0f, -0f, float.NaN, 0.5f, float.NegativeInfinity), DataType.Bool));
        Assert.Equal([true, false, true], Cast<bool>(T(36, 0, -1), DataType.Bool));
        Assert.Equal([1f, 0f], Cast<float>(T(true, false), DataType.Float32));
        Assert.Equal([(sbyte)1, 0], Cast<sbyte>(T(true, false), DataType.Int8));
        Assert.Equal([1, 0], Cast<Int4>(T(true, false), DataType.Int4).Select(v => (int)v.Value));
        Assert.Equal([true, false], Cast<bool>(T(new Float8E4M3FN(0x38), new Float8E4M3FN(0x80)), DataType.Bool));
    }

    [Fact]
    public void FloatWideningIsExactAndNarrowingRoundsToNearestEven()
    {
        Gen.Float.Sample(f =>
        {
            var d = Cast<double>(T(f), DataType.Float64)[0];
            Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits(Cast<float>(T(d), DataType.Float32)[0]));
            Assert.Equal(BitConverter.HalfToInt16Bits((Half)f), BitConverter.HalfToInt16Bits(Cast<Half>(T(f), DataType.Float16)[0]));
        });
        // bfloat16: ties go to the even mantissa.
        Assert.Equal([1f, 1.015625f, 1.0078125f], Cast<BFloat16>(T(1.00390625f, 1.01171875f, 1.0078125f), DataType.BFloat16).Select(v => (float)v));
        Assert.Equal([1f, 1.015625f], Cast<BFloat16>(T(1.00390625, 1.01171875), DataType.BFloat16).Select(v => (float)v));
        var nan = Cast<BFloat16>(T(float.NaN), DataType.BFloat16)[0];
        Assert.True(float.IsNaN((float)nan));
    }

    [Fact]
    public void LargeIntegersToFloat()
    {
        Assert.Equal([18446744073709551615f], Cast<float>(T(ulong.MaxValue), DataType.Float32));
        Assert.Equal([-9.223372036854775808e18], Cast<double>(T(long.MinValue), DataType.Float64));
        Assert.Equal([float.PositiveInfinity], Cast<Half>(T(100000), DataType.Float16).Select(h => (float)h));
    }

    [Fact]
    public void Float8HonoursSaturate()
    {
        var x = T(1e6f, float.PositiveInfinity, -1e6f, 0.3f);
        Assert.Equal([0x7E, 0x7E, 0xFE, 0x2A], Cast<Float8E4M3FN>(x, DataType.Float8E4M3FN).Select(v => (int)v.Bits));
        Assert.Equal([0x7F, 0x7F, 0xFF, 0x2A], Cast<Float8E4M3FN>(x, DataType.Float8E4M3FN, Attribute.Of("saturate", 0L)).Select(v => (int)v.Bits));
        Assert.Equal([0x7B, 0x7B, 0xFB], Cast<Float8E5M2>(T(1e6f, float.PositiveInfinity, -1e6f), DataType.Float8E5M2).Select(v => (int)v.Bits));
        Assert.Equal([0x7C, 0x7C, 0xFC],
            Cast<Float8E5M2>(T(1e6f, float.PositiveInfinity, -1e6f), DataType.Float8E5M2, Attribute.Of("saturate", 0L)).Select(v => (int)v.Bits));
        // float4 has no saturate attribute: it always saturates.
        Assert.Equal([0x7, 0xF], Cast<Float4E2M1>(T(1e6f, float.NegativeInfinity), DataType.Float4E2M1).Select(v => (int)v.Bits));
    }

    [Fact]
    public void E8M0HonoursRoundMode()
    {
        var x = T(1.1f, 1.6f, 0.124f);
        Assert.Equal([0x80, 0x80, 0x7C], Cast<Float8E8M0>(x, DataType.Float8E8M0).Select(v => (int)v.Bits));
        Assert.Equal([0x7F, 0x7F, 0x7B], Cast<Float8E8M0>(x, DataType.Float8E8M0, Attribute.Of("round_mode", "down")).Select(v => (int)v.Bits));
        Assert.Equal([0x7F, 0x80, 0x7C], Cast<Float8E8M0>(x, DataType.Float8E8M0, Attribute.Of("round_mode", "nearest")).Select(v => (int)v.Bits));
        Assert.Throws<StrataException>(() => Cast<Float8E8M0>(x, DataType.Float8E8M0, Attribute.Of("round_mode", "sideways")));
    }

    [Fact]
    public void EveryFloat8PatternSurvivesARoundTripThroughFloat()
    {
        var all = Enumerable.Range(0, 256).Select(b => new Float8E5M2((byte)b)).ToArray();
        var f = Run("Cast", [Tensor<Float8E5M2>.FromArray(all, 256)], To(DataType.Float32));
        var back = Cast<Float8E5M2>(f, DataType.Float8E5M2, Attribute.Of("saturate", 0L));
        for (int b = 0; b < 256; b++)
            if (!float.IsNaN((float)all[b])) Assert.Equal(b, back[b].Bits);
        // Through float16 too (every float8 value is a float16 value).
        var h = Run("Cast", [Tensor<Float8E5M2>.FromArray(all, 256)], To(DataType.Float16));
        var back16 = Cast<Float8E5M2>(h, DataType.Float8E5M2, Attribute.Of("saturate", 0L));
        for (int b = 0; b < 256; b++)
            if (!float.IsNaN((float)all[b])) Assert.Equal(b, back16[b].Bits);
    }

    [Fact]
    public void NumbersToStringsLikeNumpy()
    {
        Assert.Equal(["0.47892547", "1e-07", "1000000.0", "nan", "inf", "-inf", "-0.0", "1.5e+20", "0.0001", "1e-05", "123456790.0"],
            Cast<string>(T(0.47892547f, 1e-7f, 1e6f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 1.5e20f, 1e-4f, 1e-5f, 123456789f), DataType.String));
        Assert.Equal(["0.1", "1e+16", "1000000000000000.0"], Cast<string>(T(0.1, 1e16, 1e15), DataType.String));
        Assert.Equal(["-5", "18446744073709551615"], Cast<string>(T(-5L), DataType.String).Concat(Cast<string>(T(ulong.MaxValue), DataType.String)));
        Assert.Equal(["True", "False"], Cast<string>(T(true, false), DataType.String));
        Assert.Equal(["0.5"], Cast<string>(T((Half)0.5f), DataType.String));
    }

    [Fact]
    public void StringsToNumbers()
    {
        var f = Cast<float>(T("NaN", "INF", "+INF", "-INF", "inf", "-inf", "1e-5", " 3.14 ", "1E8", "-0"), DataType.Float32);
        Assert.True(float.IsNaN(f[0]));
        Assert.Equal([float.PositiveInfinity, float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity, float.NegativeInfinity, 1e-5f, 3.14f, 1e8f],
            f[1..9]);
        Assert.True(float.IsNegative(f[9]));
        Assert.Equal([1000L, long.MinValue, 100L, -3L], Cast<long>(T("1000", "-9223372036854775808", "100.5", "-3.9"), DataType.Int64));
        Assert.Equal([ulong.MaxValue], Cast<ulong>(T("18446744073709551615"), DataType.UInt64));
        Assert.Equal([true, false, true], Cast<bool>(T("1", "0", "true"), DataType.Bool));
        Assert.Throws<StrataException>(() => Cast<float>(T("Hello World!"), DataType.Float32));
    }

    [Fact]
    public void FloatToStringToFloatRoundTrips() =>
        Gen.Float.Where(float.IsFinite).Array[1, 20].Sample(values =>
        {
            var s = Run("Cast", [T(values)], To(DataType.String));
            var back = Cast<float>(s, DataType.Float32);
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
            foreach (var text in ((Tensor<string>)s).ToArray())
                Assert.True(float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        });

    [Fact]
    public void IntegerCastsMatchUncheckedConversions() =>
        Gen.Long.Array[1, 30].Sample(values =>
        {
            var x = T(values);
            Assert.Equal(values.Select(v => unchecked((sbyte)v)), Cast<sbyte>(x, DataType.Int8));
            Assert.Equal(values.Select(v => unchecked((ushort)v)), Cast<ushort>(x, DataType.UInt16));
            Assert.Equal(values.Select(v => unchecked((int)v)), Cast<int>(x, DataType.Int32));
            Assert.Equal(values.Select(v => (int)(v & 0xF)), Cast<UInt4>(x, DataType.UInt4).Select(u => (int)u.Value));
            Assert.Equal(values.Select(v => v != 0), Cast<bool>(x, DataType.Bool));
        });

    [Fact]
    public void SameTypeIsACopy()
    {
        var x = T(1, 2, 3);
        var y = (Tensor<int>)Run("Cast", [x], To(DataType.Int32));
        Assert.Equal(x.ToArray(), y.ToArray());
        y[0] = 9;
        Assert.Equal(1, x[0]);
    }

    [Fact]
    public void CastLikeTakesTheSecondInputsType()
    {
        var y = Run("CastLike", [T(1.5f, -2.5f), new Tensor<Float8E4M3FN>([0])]);
        Assert.Equal(DataType.Float8E4M3FN, y.DataType);
        Assert.Equal([1.5f, -2.5f], ((Tensor<Float8E4M3FN>)y).ToArray().Select(v => (float)v));
        var sat = (Tensor<Float8E4M3FN>)Run("CastLike", [T(1000f), new Tensor<Float8E4M3FN>([0])], Attribute.Of("saturate", 0L));
        Assert.True(float.IsNaN((float)sat[0]));
    }

    [Fact]
    public void InferenceKeepsShapeAndSetsType()
    {
        var x = new TensorType(DataType.Float32, Shape.Of([Dim.Sym("n"), Dim.Of(3)]));
        Assert.Equal(new TensorType(DataType.Int4, x.Shape), Infer("Cast", [x], 1, To(DataType.Int4))[0]);
        Assert.Equal(new TensorType(DataType.String, x.Shape), Infer("CastLike", [x, new TensorType(DataType.String, Shape.Of(0))], 1)[0]);
        Assert.Throws<StrataException>(() => Infer("Cast", [x], 1, To(DataType.Complex64)));
        Assert.Throws<StrataException>(() => Infer("Cast", [x], 1));
    }
}
