using CsCheck;
using Strata.Core;

namespace Strata.Core.Tests;

public class NpyFormatTests
{
    private static Tensor RoundTrip(Tensor t)
    {
        var ms = new MemoryStream();
        NpyFormat.Write(t, ms);
        ms.Position = 0;
        return NpyFormat.Read(ms);
    }

    [Fact]
    public void FloatTensorsRoundTripWithShape() =>
        Gen.Int[0, 4].Array[0, 4].SelectMany(shape => Gen.Float.Array[ShapeMath.Size(shape)].Select(data => (shape, data)))
            .Sample(p =>
            {
                var back = RoundTrip(new Tensor<float>(p.data, p.shape));
                Assert.Equal(p.shape, back.Shape);
                Assert.Equal(p.data, ((Tensor<float>)back).ToArray());
            });

    [Theory]
    [InlineData(DataType.Float64)]
    [InlineData(DataType.Float16)]
    [InlineData(DataType.Int8)]
    [InlineData(DataType.Int16)]
    [InlineData(DataType.Int32)]
    [InlineData(DataType.Int64)]
    [InlineData(DataType.UInt8)]
    [InlineData(DataType.UInt16)]
    [InlineData(DataType.UInt32)]
    [InlineData(DataType.UInt64)]
    [InlineData(DataType.Bool)]
    public void EveryNumpyDtypeRoundTrips(DataType type)
    {
        var t = TensorConvert.FromDoubles(type, [0, 1, 2, 3, 4, 5], [2, 3]);
        var back = RoundTrip(t);
        Assert.Equal(type, back.DataType);
        Assert.Equal(TensorConvert.ToDoubles(t), TensorConvert.ToDoubles(back));
    }

    [Fact]
    public void StringsRoundTrip()
    {
        var back = (Tensor<string>)RoundTrip(new Tensor<string>(new[] { "a", "héllo", "" }, [3]));
        Assert.Equal(["a", "héllo", ""], back.ToArray());
    }

    [Fact]
    public void HeaderIsPaddedTo64Bytes()
    {
        var ms = new MemoryStream();
        NpyFormat.Write(new Tensor<float>([1, 2]), ms);
        int headerLen = ms.ToArray()[8] | ms.ToArray()[9] << 8;
        Assert.Equal(0, (10 + headerLen) % 64);
    }

    [Fact]
    public void GarbageAndTruncatedFilesGiveInvalidInputFile()
    {
        Assert.Equal(ErrorCode.InvalidInputFile, Assert.Throws<StrataException>(() => NpyFormat.Read(new MemoryStream([1, 2, 3, 4, 5, 6, 7]))).Code);
        var ms = new MemoryStream();
        NpyFormat.Write(new Tensor<float>([1000]), ms);
        var truncated = ms.ToArray()[..200];
        Assert.Equal(ErrorCode.InvalidInputFile, Assert.Throws<StrataException>(() => NpyFormat.Read(new MemoryStream(truncated))).Code);
    }
}
