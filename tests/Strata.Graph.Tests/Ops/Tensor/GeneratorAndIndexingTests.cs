using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

public class GeneratorAndIndexingTests
{
    [Fact]
    public void ConstantFromEachValueAttribute()
    {
        Assert.Equal(Tensor<float>.Scalar(1.5f).Type, Run1("Constant", [], attributes: Attribute.Of("value_float", 1.5f)).Type);
        Assert.Equal([1L, 2], ((Tensor<long>)Run1("Constant", [], attributes: Attribute.Of("value_ints", new long[] { 1, 2 }))).ToArray());
        Assert.Equal(["a", "b"], ((Tensor<string>)Run1("Constant", [], attributes: Attribute.Of("value_strings", new[] { "a", "b" }))).ToArray());
        var t = F([1, 2], 2);
        Assert.Same(t, Run1("Constant", [], attributes: Attribute.Of("value", t)));
    }

    [Fact]
    public void ConstantOfShapeUsesTheValueTypeOrFloatZero()
    {
        var ints = Run1("ConstantOfShape", [Vec(2, 3)], attributes: Attribute.Of("value", new Tensor<int>(new[] { 7 }, [1])));
        Assert.Equal(DataType.Int32, ints.DataType);
        Assert.Equal(Enumerable.Repeat(7, 6), ((Tensor<int>)ints).ToArray());
        var zeros = Run1("ConstantOfShape", [Vec(0)]);
        Assert.Equal(DataType.Float32, zeros.DataType);
        Assert.Equal([0], zeros.Shape);
    }

    [Fact]
    public void RangeCountsCeilOfTheSpan()
    {
        var ints = (Tensor<int>)Run1("Range", [Tensor<int>.Scalar(10), Tensor<int>.Scalar(4), Tensor<int>.Scalar(-3)]);
        Assert.Equal([10, 7], ints.ToArray());
        var floats = (Tensor<float>)Run1("Range", [Tensor<float>.Scalar(1), Tensor<float>.Scalar(2), Tensor<float>.Scalar(0.3f)]);
        Assert.Equal(4, floats.Length);
        var empty = Run1("Range", [Tensor<long>.Scalar(5), Tensor<long>.Scalar(1), Tensor<long>.Scalar(2)]);
        Assert.Equal([0], empty.Shape);
    }

    [Fact]
    public void OneHotWithNegativeAndOutOfRangeIndices()
    {
        var y = (Tensor<float>)Run1("OneHot", [Vec(1, -1, 5), Tensor<long>.Scalar(3), F([0, 1], 2)]);
        Assert.Equal([3, 3], y.Shape);
        Assert.Equal([0, 1, 0, 0, 0, 1, 0, 0, 0], y.ToArray());
        var axis0 = (Tensor<float>)Run1("OneHot", [Vec(1, 0), Tensor<float>.Scalar(2), F([-1, 1], 2)], attributes: Attribute.Of("axis", 0L));
        Assert.Equal([-1, 1, 1, -1], axis0.ToArray());
    }

    [Fact]
    public void EyeLikeWithOffsetAndDtype()
    {
        var y = Run1("EyeLike", [new Tensor<int>(new int[6], [2, 3])], attributes: [Attribute.Of("k", 1L), Attribute.Of("dtype", (long)DataType.Float64)]);
        Assert.Equal(DataType.Float64, y.DataType);
        Assert.Equal([0.0, 1, 0, 0, 0, 1], ((Tensor<double>)y).ToArray());
    }

    [Fact]
    public void TriluKeepsUpperOrLowerTriangle()
    {
        var x = Iota(3, 3);
        Assert.Equal([0, 1, 2, 0, 0, 5, 0, 0, 0], ((Tensor<float>)Run1("Trilu", [x, Tensor<long>.Scalar(1)])).ToArray());
        Assert.Equal([0, 0, 0, 3, 0, 0, 6, 7, 0],
            ((Tensor<float>)Run1("Trilu", [x, Tensor<long>.Scalar(-1)], attributes: Attribute.Of("upper", 0L))).ToArray());
    }

    [Fact]
    public void ReverseSequenceReversesEachBatchPrefix()
    {
        // time_axis 0, batch_axis 1: column b reverses its first lens[b] rows.
        var x = Iota(3, 2);
        var y = (Tensor<float>)Run1("ReverseSequence", [x, Vec(3, 2)]);
        Assert.Equal([4, 3, 2, 1, 0, 5], y.ToArray());
    }

    [Fact]
    public void DepthToSpaceModesAndSpaceToDepthInverse()
    {
        var x = Iota(1, 8, 1, 1);
        var dcr = Run1("DepthToSpace", [x], attributes: Attribute.Of("blocksize", 2L));
        Assert.Equal([1, 2, 2, 2], dcr.Shape);
        Assert.Equal([0, 2, 4, 6, 1, 3, 5, 7], ((Tensor<float>)dcr).ToArray());
        var crd = Run1("DepthToSpace", [x], attributes: [Attribute.Of("blocksize", 2L), Attribute.Of("mode", "CRD")]);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], ((Tensor<float>)crd).ToArray());
        var y = Iota(2, 12, 2, 3);
        var back = Run1("SpaceToDepth", [Run1("DepthToSpace", [y], attributes: Attribute.Of("blocksize", 2L))], attributes: Attribute.Of("blocksize", 2L));
        Assert.Equal(y.Shape, back.Shape);
        Assert.Equal(y.ToArray(), ((Tensor<float>)back).ToArray());
    }

    [Fact]
    public void Col2ImSumsOverlappingBlocks()
    {
        // One channel, image 1x3, block 1x2, stride 1: columns (x0,x1) at 0 and (x0,x1) at 1 → [a0, a1+b0, b1].
        var cols = F([1, 10, 2, 20], 1, 2, 2); // rows: block offset 0 → [1, 10]; offset 1 → [2, 20]
        var y = (Tensor<float>)Run1("Col2Im", [cols, Vec(1, 3), Vec(1, 2)]);
        Assert.Equal([1, 1, 1, 3], y.Shape);
        Assert.Equal([1, 12, 20], y.ToArray());
    }
}
