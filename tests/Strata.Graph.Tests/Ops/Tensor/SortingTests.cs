using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

public class SortingTests
{
    private static (float[] Values, long[] Indices) TopK(float[] x, long k, bool largest)
    {
        var r = Run([F(x, x.Length), Vec(k)], largest);
        return (((Tensor<float>)r[0]!).ToArray(), ((Tensor<long>)r[1]!).ToArray());
    }

    private static RuntimeValue?[] Run(Core.Tensor[] inputs, bool largest) =>
        TensorOpRunner.Run("TopK", inputs, 2, attributes: Attribute.Of("largest", largest ? 1L : 0L));

    [Fact]
    public void TopKBreaksTiesByLowerIndex()
    {
        Check([3, 3], [1, 2], TopK([1, 3, 3, 2], 2, largest: true));
        Check([1, 2], [0, 3], TopK([1, 3, 3, 2], 2, largest: false));
        Check([5, 5], [0, 1], TopK([5, 5, 5], 2, largest: false));
        Check([5, 5], [0, 1], TopK([5, 5, 5], 2, largest: true));

        static void Check(float[] values, long[] indices, (float[] Values, long[] Indices) actual)
        {
            Assert.Equal(values, actual.Values);
            Assert.Equal(indices, actual.Indices);
        }
    }

    [Fact]
    public void TopKAlongAnInnerAxis()
    {
        var r = Run([F([1, 4, 2, 3, 0, 5], 3, 2), Vec(1)], largest: true);
        var values = Run1("TopK", [F([1, 4, 2, 3, 0, 5], 3, 2), Vec(2)], attributes: Attribute.Of("axis", 0L));
        Assert.Equal([4f, 3f, 5f], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([1L, 1, 1], ((Tensor<long>)r[1]!).ToArray());
        Assert.Equal([2, 2], values.Shape);
        Assert.Equal([2f, 5, 1, 4], ((Tensor<float>)values).ToArray());
    }

    [Fact]
    public void UniqueSortedAndInOrderOfFirstOccurrence()
    {
        var x = F([2, 1, 1, 3, 4, 3], 6);
        var s = TensorOpRunner.Run("Unique", [x], 4);
        Assert.Equal([1f, 2, 3, 4], ((Tensor<float>)s[0]!).ToArray());
        Assert.Equal([1L, 0, 3, 4], ((Tensor<long>)s[1]!).ToArray());
        Assert.Equal([1L, 0, 0, 2, 3, 2], ((Tensor<long>)s[2]!).ToArray());
        Assert.Equal([2L, 1, 2, 1], ((Tensor<long>)s[3]!).ToArray());
        var u = TensorOpRunner.Run("Unique", [x], 4, attributes: Attribute.Of("sorted", 0L));
        Assert.Equal([2f, 1, 3, 4], ((Tensor<float>)u[0]!).ToArray());
        Assert.Equal([0L, 1, 3, 4], ((Tensor<long>)u[1]!).ToArray());
        Assert.Equal([0L, 1, 1, 2, 3, 2], ((Tensor<long>)u[2]!).ToArray());
        Assert.Equal([1L, 2, 2, 1], ((Tensor<long>)u[3]!).ToArray());
    }

    [Fact]
    public void UniqueSlicesAlongAnAxis()
    {
        // Columns: (1,3) (0,2) (1,3) → unique sorted (0,2) (1,3).
        var x = F([1, 0, 1, 3, 2, 3], 2, 3);
        var r = TensorOpRunner.Run("Unique", [x], 4, attributes: Attribute.Of("axis", 1L));
        Assert.Equal([2, 2], ((Core.Tensor)r[0]!).Shape);
        Assert.Equal([0f, 1, 2, 3], ((Tensor<float>)r[0]!).ToArray());
        Assert.Equal([1L, 0], ((Tensor<long>)r[1]!).ToArray());
        Assert.Equal([1L, 0, 1], ((Tensor<long>)r[2]!).ToArray());
        Assert.Equal([1L, 2], ((Tensor<long>)r[3]!).ToArray());
    }

    [Fact]
    public void UniqueOfStringsIsOrdinal()
    {
        var x = new Tensor<string>(new[] { "b", "B", "a", "b" }, [4]);
        var r = TensorOpRunner.Run("Unique", [x], 4);
        Assert.Equal(["B", "a", "b"], ((Tensor<string>)r[0]!).ToArray());
        Assert.Equal([1L, 1, 2], ((Tensor<long>)r[3]!).ToArray());
    }
}
