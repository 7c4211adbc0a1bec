using System.Collections.Immutable;

namespace Strata.Block;

/// <summary>How the dimensions of the blocks of one evaluation line up with Tile axes: dimension i holds axis
/// <c>Dims[i]</c> (a null entry is a dimension of size 1). A pointwise computation <c>%out[m, n]</c> evaluates in the
/// layout [m, n]; its reduction <c>sum[k]</c> in [m, n, k]; a dot's operands in [m, k] and [k, n]. Axes whose block
/// size is 1 need no dimension: their index is a scalar.</summary>
internal sealed class BlockLayout(IEnumerable<string?> dims, Func<string, int> block)
{
    public ImmutableArray<string?> Dims { get; } = [.. dims];

    public int Rank => Dims.Length;

    public ImmutableArray<int> Shape { get; } = [.. dims.Select(d => d is null ? 1 : block(d))];

    public int Position(string axis) => Dims.IndexOf(axis);

    /// <summary>The shape of an index block of the axis at <paramref name="position"/>: all ones but there.</summary>
    public ImmutableArray<int> AxisShape(int position) => [.. Shape.Select((s, i) => i == position ? s : 1)];

    public override string ToString() => "[" + string.Join(",", Dims.Select(d => d ?? "_")) + "]";
}
