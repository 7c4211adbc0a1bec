using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RandomNormal, RandomUniform (shape from the <c>shape</c> attribute) and RandomNormalLike,
/// RandomUniformLike (shape, and by default dtype, from the input): samples of N(mean, scale²) or U[low, high).</summary>
internal static class RandomDistributionOps
{
    public static IEnumerable<OpSchema> Schemas()
    {
        yield return new("", "RandomNormal", c => [Fixed(c)], c => [Sample(c, FixedShape(c), DataType.Float32, normal: true)]);
        yield return new("", "RandomUniform", c => [Fixed(c)], c => [Sample(c, FixedShape(c), DataType.Float32, normal: false)]);
        yield return new("", "RandomNormalLike", c => [Like(c)], c => [Sample(c, c.Input(0).Shape, c.Input(0).DataType, normal: true)]);
        yield return new("", "RandomUniformLike", c => [Like(c)], c => [Sample(c, c.Input(0).Shape, c.Input(0).DataType, normal: false)]);
    }

    private static TensorType Fixed(InferenceContext c) =>
        new(RandomSource.Dtype(c, DataType.Float32)!.Value, c.Node.GetInts("shape") is { } s ? Shape.Of(s) : null);

    private static TensorType? Like(InferenceContext c) =>
        RandomSource.Dtype(c, c.InputElementType(0)) is { } et ? new TensorType(et, c.InputTensor(0)?.Shape) : null;

    private static int[] FixedShape(OpContext c)
    {
        var shape = c.Ints("shape") ?? throw c.Error(ErrorCode.InvalidAttribute, "the 'shape' attribute is required");
        return Array.ConvertAll(shape, d => d >= 0 ? checked((int)d)
            : throw c.Error(ErrorCode.InvalidAttribute, $"shape has a negative dim {d}"));
    }

    private static Tensor Sample(OpContext c, int[] shape, DataType fallback, bool normal)
    {
        var dt = RandomSource.Dtype(c, fallback);
        RandomSource.CheckFloat(c, dt);
        var random = RandomSource.For(c);
        var v = new double[ShapeMath.Size(shape)];
        if (normal)
        {
            double mean = c.Float("mean", 0f), scale = c.Float("scale", 1f);
            for (int i = 0; i < v.Length; i++) v[i] = mean + scale * RandomSource.Normal(random);
        }
        else
        {
            double low = c.Float("low", 0f), high = c.Float("high", 1f);
            for (int i = 0; i < v.Length; i++) v[i] = low + (high - low) * random.NextDouble();
        }
        return TensorConvert.FromDoubles(dt, v, shape);
    }
}
