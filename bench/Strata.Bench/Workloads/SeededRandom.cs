using Strata.Core;

namespace Strata.Bench.Workloads;

/// <summary>Seeded random fp32 tensors, so every run of the benchmark (and both engines) sees the same numbers.
/// Values are uniform in [-scale, scale]; weights use 1/√fan-in so activations stay near unit size through deep
/// blocks (softmax, erf and LayerNorm then work in their interesting range instead of saturating).</summary>
public sealed class SeededRandom(int seed)
{
    private readonly Random _random = new(seed);

    public Tensor<float> Uniform(float scale, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        var span = t.Span;
        for (int i = 0; i < span.Length; i++) span[i] = (_random.NextSingle() * 2f - 1f) * scale;
        return t;
    }

    /// <summary>A weight whose inputs sum over <paramref name="fanIn"/> elements.</summary>
    public Tensor<float> Weight(int fanIn, params int[] shape) => Uniform(1f / MathF.Sqrt(fanIn), shape);
}
