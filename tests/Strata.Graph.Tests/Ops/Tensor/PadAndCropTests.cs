using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

public class PadAndCropTests
{
    private static float[] Pad(float[] x, long[] pads, string mode, float? value = null, int opset = 25)
    {
        var inputs = new Core.Tensor?[] { F(x, x.Length), Vec(pads), value is { } v ? Tensor<float>.Scalar(v) : null };
        return ((Tensor<float>)Run1("Pad", inputs, opset, Attribute.Of("mode", mode))).ToArray();
    }

    [Fact]
    public void PadModesOnAVector()
    {
        float[] x = [1, 2, 3];
        Assert.Equal([9, 9, 1, 2, 3, 9, 9], Pad(x, [2, 2], "constant", 9));
        Assert.Equal([0, 0, 1, 2, 3, 0, 0], Pad(x, [2, 2], "constant"));
        Assert.Equal([1, 1, 1, 2, 3, 3, 3], Pad(x, [2, 2], "edge"));
        Assert.Equal([3, 2, 1, 2, 3, 2, 1], Pad(x, [2, 2], "reflect"));
        Assert.Equal([2, 3, 1, 2, 3, 1, 2], Pad(x, [2, 2], "wrap"));
        // Reflect wider than the axis keeps mirroring with period 2(n-1).
        Assert.Equal([2, 1, 2, 3, 2, 1, 2, 3], Pad(x, [5, 0], "reflect"));
    }

    [Fact]
    public void NegativePadsCropBeforePadding()
    {
        float[] x = [1, 2, 3, 4];
        Assert.Equal([2, 3], Pad(x, [-1, -1], "constant"));
        Assert.Equal([2, 3, 4, 2], Pad(x, [-1, 1], "wrap"));
        Assert.Equal([2, 3, 4, 4, 4], Pad(x, [-1, 2], "edge"));
    }

    [Fact]
    public void PadAttributesBeforeOpset11AndAxesSince18()
    {
        var x = F([1, 2, 3, 4], 2, 2);
        var old = Run1("Pad", [x], 2, Attribute.Of("pads", new long[] { 0, 1, 0, 0 }), Attribute.Of("value", 7f));
        Assert.Equal([2, 3], old.Shape);
        Assert.Equal([7, 1, 2, 7, 3, 4], ((Tensor<float>)old).ToArray());
        var axes = Run1("Pad", [x, Vec(1, 2), null, Vec(-1)], 18);
        Assert.Equal([2, 5], axes.Shape);
        Assert.Equal([0, 1, 2, 0, 0, 0, 3, 4, 0, 0], ((Tensor<float>)axes).ToArray());
    }

    [Fact]
    public void CenterCropPadCropsAndPadsSymmetricallyWithTheOddElementAtTheEnd()
    {
        var x = F([1, 2, 3, 4, 5], 5);
        Assert.Equal([2, 3, 4], ((Tensor<float>)Run1("CenterCropPad", [x, Vec(3)])).ToArray());
        Assert.Equal([1, 2, 3, 4], ((Tensor<float>)Run1("CenterCropPad", [x, Vec(4)])).ToArray());
        Assert.Equal([0, 1, 2, 3, 4, 5, 0], ((Tensor<float>)Run1("CenterCropPad", [x, Vec(7)])).ToArray());
        Assert.Equal([1, 2, 3, 4, 5, 0], ((Tensor<float>)Run1("CenterCropPad", [x, Vec(6)])).ToArray());
    }
}
