using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.RandomGenerators;

public class RandomOpTests
{
    [Fact]
    public void UniformHasTheShapeTypeAndRange()
    {
        var r = (Tensor<double>)RunNode("RandomUniform", [], attributes:
            [Attribute.Of("shape", new[] { 20L, 50 }), Attribute.Of("low", 2f), Attribute.Of("high", 3f), Attribute.Of("dtype", (long)DataType.Float64)])[0]!;
        Assert.Equal([20, 50], r.Shape);
        Assert.All(r.ToArray(), v => Assert.InRange(v, 2, 3));
        Assert.InRange(r.ToArray().Average(), 2.4, 2.6);
    }

    [Fact]
    public void NormalHasTheMeanAndScale()
    {
        var r = (Tensor<float>)RunNode("RandomNormalLike", [new Tensor<float>([4000])], attributes: [Attribute.Of("mean", 5f), Attribute.Of("scale", 2f)])[0]!;
        var v = r.ToArray();
        double mean = v.Average(), sd = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
        Assert.InRange(mean, 4.8, 5.2);
        Assert.InRange(sd, 1.8, 2.2);
    }

    [Fact]
    public void SameSeedGivesTheSameValues()
    {
        Attribute[] a = [Attribute.Of("shape", new[] { 8L }), Attribute.Of("seed", 3f)];
        Assert.Equal(((Tensor<float>)RunNode("RandomNormal", [], attributes: a)[0]!).ToArray(), ((Tensor<float>)RunNode("RandomNormal", [], attributes: a)[0]!).ToArray());
    }

    [Fact]
    public void BernoulliWithCertainProbabilities()
    {
        var r = (Tensor<bool>)RunNode("Bernoulli", [T([0f, 1f, 0f, 1f], 4)], attributes: [Attribute.Of("dtype", (long)DataType.Bool)])[0]!;
        Assert.Equal([false, true, false, true], r.ToArray());
    }

    [Fact]
    public void MultinomialPicksOnlyPossibleClasses()
    {
        var r = (Tensor<long>)RunNode("Multinomial", [T([0f, float.NegativeInfinity, 0f, float.NegativeInfinity, float.NegativeInfinity, 0f], 2, 3)],
            attributes: [Attribute.Of("sample_size", 10L), Attribute.Of("dtype", (long)DataType.Int64)])[0]!;
        Assert.Equal([2, 10], r.Shape);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(r.At(0, i) is 0 or 2);
            Assert.Equal(2L, r.At(1, i));
        }
    }
}
