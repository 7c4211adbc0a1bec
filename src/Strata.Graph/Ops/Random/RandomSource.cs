using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The random generator a random op draws from: its own, seeded from the <c>seed</c> attribute when it has
/// one (the same seed gives the same values), else the run's generator. Numbers will not match other runtimes'
/// generators; only their distribution does.</summary>
internal static class RandomSource
{
    public static System.Random For(OpContext c) =>
        c.HasAttr("seed") ? new System.Random(BitConverter.SingleToInt32Bits(c.Float("seed", 0f))) : c.Random;

    /// <summary>A standard normal sample (Box–Muller).</summary>
    public static double Normal(System.Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static DataType Dtype(OpContext c, DataType fallback) => (DataType)c.Int("dtype", (long)fallback);

    public static DataType? Dtype(InferenceContext c, DataType? fallback) =>
        c.Node.Attr("dtype") is { } a ? (DataType)a.AsInt() : fallback;

    public static void CheckFloat(OpContext c, DataType type)
    {
        if (!type.IsFloatingPoint())
            throw c.Error(ErrorCode.UnsupportedDataType, $"dtype {type.ShortName()} is not a floating-point type", "use float16, bfloat16, float or double");
    }
}
