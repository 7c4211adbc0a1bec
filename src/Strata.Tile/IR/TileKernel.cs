using System.Collections.Immutable;

namespace Strata.Tile;

/// <summary>Level 1: one fused kernel — what it computes (computations over named axes, in order) and, through
/// its knob space, its space of implementations. Inputs are read-only; outputs are written exactly
/// once per element; temporaries are private to the kernel.</summary>
public sealed record TileKernel(
    string Name,
    ImmutableArray<TileBuffer> Inputs,
    ImmutableArray<TileBuffer> Outputs,
    ImmutableArray<TileBuffer> Temps,
    ImmutableArray<Axis> Axes,
    ImmutableArray<Computation> Computations)
{
    public IEnumerable<TileBuffer> Buffers => Inputs.Concat(Outputs).Concat(Temps);

    public TileBuffer Buffer(string name) => Buffers.FirstOrDefault(b => b.Name == name)
        ?? throw new Core.StrataException(Core.ErrorCode.InvalidIr, $"kernel @{Name} has no buffer %{name}", "declare the buffer", $"tile kernel @{Name}");

    public Axis Axis(string name) => Axes.FirstOrDefault(a => a.Name == name)
        ?? throw new Core.StrataException(Core.ErrorCode.InvalidIr, $"kernel @{Name} has no axis {name}", "declare the axis", $"tile kernel @{Name}");

    /// <summary><paramref name="name"/>, or it with the first number appended that no axis of the kernel is named: for
    /// an axis a pass adds.</summary>
    public string UniqueAxisName(string name)
    {
        string n = name;
        for (int i = 1; Axes.Any(x => x.Name == n); i++) n = name + i;
        return n;
    }

    public bool Equals(TileKernel? other) => other is not null && Name == other.Name && Inputs.SequenceEqual(other.Inputs)
        && Outputs.SequenceEqual(other.Outputs) && Temps.SequenceEqual(other.Temps) && Axes.SequenceEqual(other.Axes)
        && Computations.SequenceEqual(other.Computations);
    public override int GetHashCode() => HashCode.Combine(Name, Computations.Length);
}
