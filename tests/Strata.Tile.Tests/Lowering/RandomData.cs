using Strata.Conformance;
using Strata.Core;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Random tensors and shapes for the lowering tests (deterministic from a <see cref="Random"/>).</summary>
internal static class RandomData
{
    public static readonly DataType[] Floats = [DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16];
    public static readonly DataType[] Integers = [DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64,
        DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64];
    public static readonly DataType[] Numbers = [.. Floats, .. Integers];
    public static readonly DataType[] All = [.. Numbers, DataType.Bool];

    public static T Pick<T>(this Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    public static int[] Shape(Random rng, int maxRank = 4, int maxDim = 4, int minDim = 1) =>
        Enumerable.Range(0, rng.Next(maxRank + 1)).Select(_ => rng.Next(minDim, maxDim + 1)).ToArray();

    /// <summary>Shapes that numpy-broadcast together: suffixes of one shape with some dims set to 1.</summary>
    public static int[][] BroadcastShapes(Random rng, int count, int maxRank = 4)
    {
        var full = Shape(rng, maxRank);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var s = full.Skip(rng.Next(full.Length + 1) / 2 * (rng.Next(2))).ToArray();
            for (int d = 0; d < s.Length; d++) if (rng.Next(4) == 0) s[d] = 1;
            return s;
        }).ToArray();
    }

    /// <summary>Floats uniform in [lo, hi]; integers uniform in [lo, hi] clipped to the type (the full range when
    /// the bounds are null); bools fair.</summary>
    public static Tensor Tensor(Random rng, DataType type, int[] shape, double lo = -5, double hi = 5, double specials = 0)
    {
        var t = TensorFactory.Create(type, shape);
        for (int i = 0; i < t.Length; i++) ScalarSemantics.Write(t, i, Value(rng, type, lo, hi, specials));
        return t;
    }

    public static Scalar Value(Random rng, DataType type, double lo, double hi, double specials = 0)
    {
        if (type == DataType.Bool) return Scalar.Bool(rng.Next(2) == 1);
        if (ScalarSemantics.IsFloat(type))
        {
            if (rng.NextDouble() < specials)
                return Scalar.Float(rng.Pick(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e10, -1e10, 0.5, -2.5, 70000 }));
            return Scalar.Float(lo + rng.NextDouble() * (hi - lo));
        }
        var (min, max) = Bounds(type);
        long a = (long)Math.Max(lo, min), b = (long)Math.Min(hi, max);
        if (rng.NextDouble() < specials) return Scalar.Int(rng.Pick(new[] { min, max, 0, -1 }));
        return Scalar.Int(a + (long)(rng.NextDouble() * (b - a + 1)));
    }

    public static (long Min, long Max) Bounds(DataType t) => t switch
    {
        DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DataType.Int16 => (short.MinValue, short.MaxValue),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        DataType.UInt8 => (0, byte.MaxValue),
        DataType.UInt16 => (0, ushort.MaxValue),
        DataType.UInt32 => (0, uint.MaxValue),
        DataType.UInt64 => (0, long.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    public static Tensor<long> Longs(params long[] values) => new(values, [values.Length]);

    /// <summary>The conformance tolerance, looser for bfloat16 (8 significant bits: one rounding step is 0.4%).</summary>
    public static ValueComparer Comparer(DataType t) => t == DataType.BFloat16 ? new ValueComparer(1e-2, 1e-5) : ValueComparer.Default;
}
