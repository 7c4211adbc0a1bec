using System.Collections.Immutable;

namespace Strata.Tile;

/// <summary>A named, documented knob with its candidate values (e.g. <c>block.m in {1, 2, 4, ...}</c>).</summary>
public sealed record Knob(string Name, ImmutableArray<string> Values, string Description)
{
    public bool Equals(Knob? other) => other is not null && Name == other.Name && Values.SequenceEqual(other.Values);
    public override int GetHashCode() => HashCode.Combine(Name, Values.Length);
}
