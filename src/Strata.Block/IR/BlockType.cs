using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Block;

/// <summary>The type of a Block-level value: a scalar (empty shape) or a block with a static shape.
/// Indices are i64 (printed <c>index</c>); masks are bool.</summary>
public sealed record BlockType(DataType Element, ImmutableArray<int> Shape)
{
    public static BlockType Scalar(DataType t) => new(t, ImmutableArray<int>.Empty);
    public static BlockType Of(DataType t, params int[] shape) => new(t, [.. shape]);

    public bool IsScalar => Shape.IsEmpty;
    public int Rank => Shape.Length;
    public int Size => Shape.Aggregate(1, (a, b) => a * b);

    public bool Equals(BlockType? other) => other is not null && Element == other.Element && Shape.SequenceEqual(other.Shape);
    public override int GetHashCode() => Shape.Aggregate(Element.GetHashCode(), HashCode.Combine);

    /// <summary><c>f32[48,256]</c>, <c>index[48]</c>, <c>f32</c> for a scalar.</summary>
    public override string ToString() =>
        (Element == DataType.Int64 ? "index" : Element.ShortName()) + (IsScalar ? "" : "[" + string.Join(",", Shape) + "]");
}
