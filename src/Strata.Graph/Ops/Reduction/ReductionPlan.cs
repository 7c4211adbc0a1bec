using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>How a reduction over a set of axes visits a row-major tensor. Output element <c>o</c> combines the
/// input elements at flat indices <c>Outer[o] + Inner[k]</c> for every <c>k</c> in <c>[0, Count)</c>: <see cref="Outer"/>
/// enumerates the kept axes, <see cref="Inner"/> the reduced ones, both in row-major order. Every op of this family
/// (Reduce*, ArgMax, softmax, the normalizations, the losses) is a loop over this pair of offset lists.</summary>
internal sealed class ReductionPlan
{
    private ReductionPlan(int[] inputShape, bool[] reduced, bool keepDims)
    {
        InputShape = inputShape;
        Reduced = reduced;
        var strides = ShapeMath.Strides(inputShape);
        Outer = Offsets(inputShape, strides, reduced, pick: false);
        Inner = Offsets(inputShape, strides, reduced, pick: true);
        var outShape = new List<int>(inputShape.Length);
        for (int i = 0; i < inputShape.Length; i++)
        {
            if (!reduced[i]) outShape.Add(inputShape[i]);
            else if (keepDims) outShape.Add(1);
        }
        OutputShape = outShape.ToArray();
    }

    public int[] InputShape { get; }

    /// <summary>Per input axis: true where the axis is reduced.</summary>
    public bool[] Reduced { get; }

    /// <summary>Shape of the result (reduced axes kept as 1 or dropped, as asked).</summary>
    public int[] OutputShape { get; }

    /// <summary>Flat input offset of the first element of each output element's group; one entry per output element.</summary>
    public int[] Outer { get; }

    /// <summary>Offsets, relative to <see cref="Outer"/>, of the elements of one group.</summary>
    public int[] Inner { get; }

    /// <summary>Number of input elements combined into each output element (0 for a reduction over an empty axis).</summary>
    public int Count => Inner.Length;

    public int OutputSize => Outer.Length;

    /// <summary>A plan reducing the axes marked in <paramref name="reduced"/>.</summary>
    public static ReductionPlan Create(int[] shape, bool[] reduced, bool keepDims) => new(shape, reduced, keepDims);

    /// <summary>A plan reducing one (already normalised) axis.</summary>
    public static ReductionPlan Axis(int[] shape, int axis, bool keepDims = true)
    {
        var reduced = new bool[shape.Length];
        reduced[axis] = true;
        return new ReductionPlan(shape, reduced, keepDims);
    }

    /// <summary>A plan reducing the trailing axes <c>[from, rank)</c> (layer-style normalizations).</summary>
    public static ReductionPlan Trailing(int[] shape, int from, bool keepDims = true)
    {
        var reduced = new bool[shape.Length];
        for (int i = from; i < shape.Length; i++) reduced[i] = true;
        return new ReductionPlan(shape, reduced, keepDims);
    }

    /// <summary>Marks the axes to reduce. Null or empty <paramref name="axes"/> means every axis, or none when
    /// <paramref name="noopWhenEmpty"/> is set (ONNX <c>noop_with_empty_axes</c>). Negative axes count from the end.</summary>
    public static bool[] MarkAxes(long[]? axes, int rank, bool noopWhenEmpty)
    {
        var reduced = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            if (!noopWhenEmpty) Array.Fill(reduced, true);
            return reduced;
        }
        foreach (long a in axes)
        {
            if (a < -rank || a >= rank)
                throw new StrataException(ErrorCode.InvalidAttribute, $"reduction axis {a} is out of range for rank {rank}",
                    $"use axes in [{-rank}, {rank - 1}]");
            int n = (int)(a < 0 ? a + rank : a);
            if (reduced[n])
                throw new StrataException(ErrorCode.InvalidAttribute, $"reduction axis {a} is listed twice",
                    "list each axis at most once");
            reduced[n] = true;
        }
        return reduced;
    }

    /// <summary>The static shape of a reduction's result; symbolic dims of kept axes survive.</summary>
    public static Shape ReducedShape(Shape input, bool[] reduced, bool keepDims)
    {
        var dims = new List<Dim>(input.Rank);
        for (int i = 0; i < input.Rank; i++)
        {
            if (!reduced[i]) dims.Add(input[i]);
            else if (keepDims) dims.Add(Dim.Of(1));
        }
        return Shape.Of(dims);
    }

    /// <summary>Row-major flat offsets of every multi-index over the axes where <c>reduced[i] == pick</c>
    /// (the other axes held at 0).</summary>
    private static int[] Offsets(int[] shape, int[] strides, bool[] reduced, bool pick)
    {
        int dimCount = 0;
        long n = 1;
        for (int i = 0; i < shape.Length; i++)
            if (reduced[i] == pick) { dimCount++; n *= shape[i]; }
        var axes = new int[dimCount];
        for (int i = 0, j = 0; i < shape.Length; i++)
            if (reduced[i] == pick) axes[j++] = i;

        var result = new int[checked((int)n)];
        var idx = new int[dimCount];
        int off = 0;
        for (int k = 0; k < result.Length; k++)
        {
            result[k] = off;
            for (int j = dimCount - 1; j >= 0; j--)
            {
                int d = axes[j];
                idx[j]++;
                off += strides[d];
                if (idx[j] < shape[d]) break;
                off -= strides[d] * idx[j];
                idx[j] = 0;
            }
        }
        return result;
    }
}
