using System.Collections.Immutable;

namespace Strata.Tile.Lowerings;

/// <summary>How a reduction over a set of axes splits a tensor's index space: the kept axes index the result
/// (<see cref="OutShape"/>, with the reduced axes kept as 1 when <see cref="KeepDims"/>), the reduced axes are the
/// reduction's domain (<see cref="Extents"/>). Every op of the reduction family (Reduce*, ArgMax, softmax, the
/// normalizations, global pools) maps indices through one of these.</summary>
internal sealed class AxisGrouping
{
    public AxisGrouping(ImmutableArray<long> inputShape, bool[] reduced, bool keepDims)
    {
        InputShape = inputShape;
        Reduced = reduced;
        KeepDims = keepDims;
        var outShape = new List<long>();
        var extents = new List<long>();
        for (int d = 0; d < inputShape.Length; d++)
        {
            if (!reduced[d]) outShape.Add(inputShape[d]);
            else
            {
                extents.Add(inputShape[d]);
                if (keepDims) outShape.Add(1);
            }
        }
        OutShape = [.. outShape];
        Extents = [.. extents];
    }

    /// <summary>A grouping reducing the axes from <paramref name="from"/> to the last.</summary>
    public static AxisGrouping Trailing(ImmutableArray<long> shape, int from, bool keepDims = false) =>
        new(shape, Enumerable.Range(0, shape.Length).Select(d => d >= from).ToArray(), keepDims);

    /// <summary>A grouping reducing the axes listed in <paramref name="axes"/>.</summary>
    public static AxisGrouping Of(ImmutableArray<long> shape, IEnumerable<int> axes, bool keepDims = false)
    {
        var reduced = new bool[shape.Length];
        foreach (var a in axes) reduced[a] = true;
        return new AxisGrouping(shape, reduced, keepDims);
    }

    public ImmutableArray<long> InputShape { get; }
    public bool[] Reduced { get; }
    public bool KeepDims { get; }
    public ImmutableArray<long> OutShape { get; }
    public ImmutableArray<long> Extents { get; }

    /// <summary>Number of elements in each group.</summary>
    public long Count => Extents.Aggregate(1L, (a, b) => a * b);

    /// <summary>The input index of reduction point <paramref name="red"/> of result element <paramref name="outIdx"/>.</summary>
    public Expr[] InputIndex(IReadOnlyList<Expr> outIdx, IReadOnlyList<Expr> red)
    {
        var r = new Expr[InputShape.Length];
        int o = 0, k = 0;
        for (int d = 0; d < r.Length; d++)
        {
            if (Reduced[d])
            {
                r[d] = red[k++];
                if (KeepDims) o++;
            }
            else r[d] = outIdx[o++];
        }
        return r;
    }

    /// <summary>The result index of the group that input element <paramref name="inputIdx"/> belongs to.</summary>
    public Expr[] GroupIndex(IReadOnlyList<Expr> inputIdx)
    {
        var r = new List<Expr>(OutShape.Length);
        for (int d = 0; d < InputShape.Length; d++)
        {
            if (!Reduced[d]) r.Add(inputIdx[d]);
            else if (KeepDims) r.Add(ComputeExprs.Ix(0));
        }
        return [.. r];
    }

    /// <summary>The reduced-axis part of an input index.</summary>
    public Expr[] ReducedIndex(IReadOnlyList<Expr> inputIdx)
    {
        var r = new List<Expr>();
        for (int d = 0; d < InputShape.Length; d++)
            if (Reduced[d]) r.Add(inputIdx[d]);
        return [.. r];
    }

    /// <summary>The shape of the result with the reduced axes kept as 1 (for statistics outputs).</summary>
    public ImmutableArray<long> KeptShape => [.. InputShape.Select((d, i) => Reduced[i] ? 1L : d)];

    /// <summary>A view of a result value (over <see cref="OutShape"/> without kept dims) with the reduced axes kept as 1.</summary>
    public TileValue WithKeptDims(TileValue stats)
    {
        if (KeepDims) return stats;
        return ComputeExprs.Value(stats.Type, KeptShape, idx =>
        {
            var src = new List<Expr>();
            for (int d = 0; d < InputShape.Length; d++)
                if (!Reduced[d]) src.Add(idx[d]);
            return stats.At(src);
        });
    }
}
