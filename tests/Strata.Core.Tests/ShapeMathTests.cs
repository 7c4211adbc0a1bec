using CsCheck;
using Strata.Core;

namespace Strata.Core.Tests;

public class ShapeMathTests
{
    [Fact]
    public void BroadcastFollowsNumpyRules()
    {
        Assert.Equal([2, 3, 4], ShapeMath.Broadcast([2, 1, 4], [3, 1]));
        Assert.Equal([5], ShapeMath.Broadcast([5], []));
        var e = Assert.Throws<StrataException>(() => ShapeMath.Broadcast([2, 3], [4]));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }

    [Fact]
    public void BroadcastOfShapeWithOnesIsTheShape() =>
        Gen.Int[1, 5].Array[0, 5].Sample(shape =>
        {
            var ones = shape.Select(_ => 1).ToArray();
            Assert.Equal(shape, ShapeMath.Broadcast(shape, ones));
            Assert.Equal(shape, ShapeMath.Broadcast(ones, shape));
        });

    [Fact]
    public void BroadcastIndexMapMatchesMultiIndexArithmetic() =>
        Gen.Int[1, 4].Array[1, 4].Sample(to =>
        {
            // Randomly set some dims of the source to 1 and drop leading dims.
            var from = to.Skip(to.Length / 2).Select((d, i) => i % 2 == 0 ? 1 : d).ToArray();
            var map = ShapeMath.BroadcastIndexMap(from, to);
            var fromStrides = ShapeMath.Strides(from);
            var toStrides = ShapeMath.Strides(to);
            for (int flat = 0; flat < map.Length; flat++)
            {
                int expected = 0;
                for (int d = 0; d < from.Length; d++)
                {
                    int td = d + to.Length - from.Length;
                    int idx = flat / toStrides[td] % to[td];
                    expected += (from[d] == 1 ? 0 : idx) * fromStrides[d];
                }
                Assert.Equal(expected, map[flat]);
            }
        });
}
