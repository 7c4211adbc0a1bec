namespace Strata.Tile;

/// <summary>A named index domain of a kernel: <c>m = 128</c>. Knobs (block sizes, order, parallelism) refer to axes.</summary>
public sealed record Axis(string Name, long Extent)
{
    public override string ToString() => $"{Name} = {Extent}";
}
