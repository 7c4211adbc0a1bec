using Strata.Core;

namespace Strata.Conformance.Tests;

public sealed class ValueComparerTests
{
    private static readonly ValueComparer C = ValueComparer.Default;

    private static Tensor<float> F(params float[] v) => Tensor<float>.FromArray(v, v.Length);

    [Fact]
    public void Floats_WithinTolerance_Match()
    {
        Assert.Null(C.Compare(F(1000f), F(1000.9f)));          // |d| = 0.9 <= 1e-7 + 1e-3 * 1000.9
        Assert.NotNull(C.Compare(F(1000f), F(1001.5f)));
        Assert.Null(C.Compare(F(0f), F(5e-8f)));               // atol
        Assert.NotNull(C.Compare(F(0f), F(1e-6f)));
    }

    [Fact]
    public void NaN_And_Infinity()
    {
        Assert.Null(C.Compare(F(float.NaN), F(float.NaN)));
        Assert.NotNull(C.Compare(F(1f), F(float.NaN)));
        Assert.NotNull(C.Compare(F(float.NaN), F(1f)));
        Assert.Null(C.Compare(F(float.PositiveInfinity), F(float.PositiveInfinity)));
        Assert.NotNull(C.Compare(F(float.NegativeInfinity), F(float.PositiveInfinity)));
        Assert.NotNull(C.Compare(F(float.MaxValue), F(float.PositiveInfinity)));
    }

    [Fact]
    public void TypeAndShape_MustMatch()
    {
        Assert.Contains("element type", C.Compare(Tensor<double>.FromArray([1.0], 1), F(1f)));
        Assert.Contains("shape", C.Compare(Tensor<float>.FromArray([1f, 2f], 1, 2), F(1f, 2f)));
        Assert.Contains("not produced", C.Compare(null, F(1f)));
    }

    [Fact]
    public void Integers_AreExact_AndReportTheFirstMismatch()
    {
        var why = C.Compare(Tensor<long>.FromArray([1, 2, 3, 4], 2, 2), Tensor<long>.FromArray([1, 2, 3, 5], 2, 2));
        Assert.Equal("1 of 4 elements differ; first at [1,1]: got 4, expected 5", why);
        Assert.Null(C.Compare(Tensor<string>.FromArray(["a", "b"], 2), Tensor<string>.FromArray(["a", "b"], 2)));
        Assert.NotNull(C.Compare(Tensor<bool>.FromArray([true], 1), Tensor<bool>.FromArray([false], 1)));
    }

    [Fact]
    public void Sequences_And_Optionals()
    {
        var et = new TensorType(DataType.Float32, null);
        var s1 = new TensorSequence(et, [F(1f), F(2f)]);
        Assert.Null(C.Compare(new TensorSequence(et, [F(1f), F(2f)]), s1));
        Assert.Contains("sequence item 1", C.Compare(new TensorSequence(et, [F(1f), F(3f)]), s1));
        Assert.Contains("values", C.Compare(new TensorSequence(et, [F(1f)]), s1));
        Assert.Null(C.Compare(new OptionalValue(et, null), new OptionalValue(et, null)));
        Assert.NotNull(C.Compare(new OptionalValue(et, F(1f)), new OptionalValue(et, null)));
        Assert.Null(C.Compare(new OptionalValue(et, F(1f)), new OptionalValue(et, F(1f))));
    }

    [Fact]
    public void HalfPrecision_UsesTolerance()
    {
        var a = Tensor<Half>.FromArray([(Half)1.0f], 1);
        var e = Tensor<Half>.FromArray([(Half)1.0009765625f], 1);
        Assert.Null(C.Compare(a, e));
    }
}
