using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

public enum BufferRole { Input, Output, Temp }

/// <summary>A tensor a kernel reads or writes: a parameter (input/output) or a temporary that lives only
/// inside the kernel. Shapes are static at this level.</summary>
public sealed record TileBuffer(string Name, DataType ElementType, ImmutableArray<long> Shape, BufferRole Role)
{
    public int Rank => Shape.Length;
    public long Size => Shape.Aggregate(1L, (a, b) => a * b);

    public bool Equals(TileBuffer? other) => other is not null && Name == other.Name && ElementType == other.ElementType
        && Role == other.Role && Shape.SequenceEqual(other.Shape);
    public override int GetHashCode() => HashCode.Combine(Name, ElementType, Role, Shape.Length);

    /// <summary><c>f32[128,768]</c></summary>
    public string TypeText => ElementType.ShortName() + "[" + string.Join(",", Shape) + "]";
}
