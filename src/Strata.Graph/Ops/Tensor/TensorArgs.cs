using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Reading the integer operands of tensor ops (shapes, axes, pads, indices) at run time and at
/// inference time, and small shape utilities shared by their type inference.</summary>
internal static class TensorArgs
{
    /// <summary>The elements of an integer (or bool) tensor as longs.</summary>
    public static long[] Ints(Tensor t) => TensorConvert.ToInt64s(t);

    /// <summary>The input's value as longs, if it is known at compile time.</summary>
    public static long[]? ConstInts(InferenceContext c, int i) => c.ConstantInput(i) is { } t ? TensorConvert.ToInt64s(t) : null;

    /// <summary>Dims given as longs (e.g. a shape input) as ints, rejecting negative or huge values.</summary>
    public static int[] Dims(long[] dims, string what)
    {
        var r = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue)
                throw new StrataException(ErrorCode.InvalidShape, $"{what} has an invalid dimension {dims[i]} in [{string.Join(",", dims)}]",
                    "dimensions must be >= 0");
            r[i] = (int)dims[i];
        }
        return r;
    }

    /// <summary>Normalises axes into [0, rank) and rejects duplicates.</summary>
    public static int[] Axes(IReadOnlyList<long> axes, int rank)
    {
        var r = new int[axes.Count];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = ShapeMath.NormalizeAxis(axes[i], rank);
            for (int j = 0; j < i; j++)
                if (r[j] == r[i])
                    throw new StrataException(ErrorCode.InvalidAttribute, $"axis {axes[i]} is repeated in [{string.Join(",", axes)}]",
                        "give each axis at most once");
        }
        return r;
    }

    /// <summary>The static shape of input <paramref name="i"/> (null when even the rank is unknown).</summary>
    public static Shape? StaticShape(InferenceContext c, int i) => c.InputTensor(i)?.Shape;

    /// <summary>The product of dims as a static dim: known if all are known; a symbolic dim times known 1s is
    /// that symbol; otherwise unknown.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long p = 1;
        Dim? symbolic = null;
        int unknown = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown) p *= d.Value!.Value;
            else { unknown++; symbolic = d; }
        }
        if (unknown == 0) return Dim.Of(p);
        if (p == 0) return Dim.Of(0);
        return unknown == 1 && p == 1 ? symbolic!.Value : Dim.Unknown;
    }

    /// <summary>The sum of dims as a static dim: known if all are known, else unknown.</summary>
    public static Dim Sum(IEnumerable<Dim> dims)
    {
        long p = 0;
        foreach (var d in dims)
        {
            if (!d.IsKnown) return Dim.Unknown;
            p += d.Value!.Value;
        }
        return Dim.Of(p);
    }

    /// <summary>A tensor type of <paramref name="rank"/> unknown dims (or unknown rank when null).</summary>
    public static TensorType UnknownDims(DataType et, int? rank) =>
        new(et, rank is { } r ? Shape.Of(Enumerable.Repeat(Dim.Unknown, r)) : null);

    /// <summary>The element type of input <paramref name="i"/>, or Undefined when unknown.</summary>
    public static DataType ElementType(InferenceContext c, int i) => c.InputElementType(i) ?? DataType.Undefined;
}
