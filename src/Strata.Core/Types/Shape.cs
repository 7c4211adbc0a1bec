using System.Collections.Immutable;

namespace Strata.Core;

/// <summary>A static (compile-time) shape: a list of dims, each known, symbolic or unknown.</summary>
public sealed record Shape(ImmutableArray<Dim> Dims)
{
    public int Rank => Dims.Length;
    public Dim this[int i] => Dims[i];
    public bool IsFullyKnown => Dims.All(d => d.IsKnown);

    public static readonly Shape Scalar = new(ImmutableArray<Dim>.Empty);

    public static Shape Of(params long[] dims) => new(dims.Select(Dim.Of).ToImmutableArray());
    public static Shape Of(IEnumerable<int> dims) => new(dims.Select(d => Dim.Of(d)).ToImmutableArray());
    public static Shape Of(IEnumerable<Dim> dims) => new(dims.ToImmutableArray());

    /// <summary>The concrete dims, or null if any dim is not known.</summary>
    public int[]? ToConcrete() => IsFullyKnown ? Dims.Select(d => checked((int)d.Value!.Value)).ToArray() : null;

    public bool Equals(Shape? other) => other is not null && Dims.SequenceEqual(other.Dims);
    public override int GetHashCode() => Dims.Aggregate(17, (h, d) => HashCode.Combine(h, d));
    public override string ToString() => "[" + string.Join(",", Dims) + "]";
}
