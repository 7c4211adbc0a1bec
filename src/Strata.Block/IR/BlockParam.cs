using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Block;

public enum ParamRole { Input, Output, Scratch }

/// <summary>A kernel parameter: a pointer to a whole tensor in memory (<c>%x: ptr&lt;f32&gt;[128,768]</c>).
/// Scratch parameters hold a Tile kernel's temporaries; the runtime allocates them per invocation.</summary>
public sealed record BlockParam(string Name, DataType Element, ImmutableArray<long> Shape, ParamRole Role)
{
    public int Rank => Shape.Length;

    public bool Equals(BlockParam? other) => other is not null && Name == other.Name && Element == other.Element
        && Role == other.Role && Shape.SequenceEqual(other.Shape);
    public override int GetHashCode() => HashCode.Combine(Name, Element, Role, Shape.Length);
}
