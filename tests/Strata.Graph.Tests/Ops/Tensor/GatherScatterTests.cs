using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

public class GatherScatterTests
{
    [Fact]
    public void GatherAlongAnAxisWithNegativeIndices()
    {
        var x = Iota(2, 3);
        var y = Run1("Gather", [x, L([-1, 0, 1, 1], 2, 2)], attributes: Attribute.Of("axis", 1L));
        Assert.Equal([2, 2, 2], y.Shape);
        Assert.Equal([2, 0, 1, 1, 5, 3, 4, 4], ((Tensor<float>)y).ToArray());
    }

    [Fact]
    public void GatherOutOfRangeIsAnError()
    {
        var e = Assert.Throws<StrataException>(() => Run1("Gather", [Iota(3), Vec(3)]));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
    }

    [Fact]
    public void GatherElementsPicksAlongTheAxis()
    {
        var y = Run1("GatherElements", [F([1, 2, 3, 4], 2, 2), L([0, 0, 1, 0], 2, 2)], attributes: Attribute.Of("axis", 1L));
        Assert.Equal([1, 1, 4, 3], ((Tensor<float>)y).ToArray());
    }

    [Fact]
    public void GatherNDWithBatchDims()
    {
        var data = Iota(2, 2, 2);
        var y = Run1("GatherND", [data, L([1, 0], 2, 1)], attributes: Attribute.Of("batch_dims", 1L));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([2, 3, 4, 5], ((Tensor<float>)y).ToArray());
        var z = Run1("GatherND", [data, L([0, 1, 1, 0], 2, 2)]);
        Assert.Equal([2, 2], z.Shape);
        Assert.Equal([2, 3, 4, 5], ((Tensor<float>)z).ToArray());
    }

    [Fact]
    public void ScatterElementsSpecExample()
    {
        var y = Run1("ScatterElements", [F(new float[9], 3, 3), L([1, 0, 2, 0, 2, 1], 2, 3), F([1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f], 2, 3)]);
        Assert.Equal([2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f], ((Tensor<float>)y).ToArray());
    }

    [Theory]
    [InlineData("none", new float[] { 1, 6, 3 })]
    [InlineData("add", new float[] { 1, 13, 3 })]
    [InlineData("mul", new float[] { 1, 60, 3 })]
    [InlineData("max", new float[] { 1, 6, 3 })]
    [InlineData("min", new float[] { 1, 2, 3 })]
    public void ScatterReductionsCombineDuplicatesInOrder(string reduction, float[] expected)
    {
        var data = F([1, 2, 3], 3);
        var elements = Run1("ScatterElements", [data, Vec(1, 1), F([5, 6], 2)], attributes: Attribute.Of("reduction", reduction));
        Assert.Equal(expected, ((Tensor<float>)elements).ToArray());
        var nd = Run1("ScatterND", [data, L([1, 1], 2, 1), F([5, 6], 2)], attributes: Attribute.Of("reduction", reduction));
        Assert.Equal(expected, ((Tensor<float>)nd).ToArray());
    }

    [Fact]
    public void ScatterNDWritesSlices()
    {
        var y = Run1("ScatterND", [F(new float[6], 3, 2), L([2, 0], 2, 1), F([1, 2, 3, 4], 2, 2)]);
        Assert.Equal([3, 4, 0, 0, 1, 2], ((Tensor<float>)y).ToArray());
    }

    [Fact]
    public void TensorScatterWritesAtPerBatchOffsetsAndWrapsInCircularMode()
    {
        var cache = F(new float[8], 2, 4, 1);
        var update = F([9, 8, 7, 6], 2, 2, 1);
        var linear = Run1("TensorScatter", [cache, update, Vec(1, 2)]);
        Assert.Equal([0, 9, 8, 0, 0, 0, 7, 6], ((Tensor<float>)linear).ToArray());
        var circular = Run1("TensorScatter", [cache, update, Vec(3, 0)], attributes: Attribute.Of("mode", "circular"));
        Assert.Equal([8, 0, 0, 9, 7, 6, 0, 0], ((Tensor<float>)circular).ToArray());
        Assert.Throws<StrataException>(() => Run1("TensorScatter", [cache, update, Vec(3, 0)]));
    }

    [Fact]
    public void CompressWithAndWithoutAxis()
    {
        var x = Iota(3, 2);
        var rows = Run1("Compress", [x, new Tensor<bool>(new[] { false, true, true }, [3])], attributes: Attribute.Of("axis", 0L));
        Assert.Equal([2, 2], rows.Shape);
        Assert.Equal([2, 3, 4, 5], ((Tensor<float>)rows).ToArray());
        var flat = Run1("Compress", [x, new Tensor<bool>(new[] { true, false, false, true }, [4])]);
        Assert.Equal([0, 3], ((Tensor<float>)flat).ToArray());
    }

    [Fact]
    public void NonZeroListsIndicesPerAxis()
    {
        var y = (Tensor<long>)Run1("NonZero", [F([0, 1, 2, 0, 0, 3], 2, 3)]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([0, 0, 1, 1, 2, 2], y.ToArray());
    }
}
