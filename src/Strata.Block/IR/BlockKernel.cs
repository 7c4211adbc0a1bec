using System.Collections.Immutable;

namespace Strata.Block;

/// <summary>Level 2: an SPMD program. Every program instance of <see cref="Grid"/> runs <see cref="Body"/> with its
/// own <c>program_id</c>s; instances may run in any order or in parallel, so an instance writes only elements no
/// other instance touches (scratch included).</summary>
public sealed record BlockKernel(string Name, ImmutableArray<BlockParam> Params, ImmutableArray<long> Grid, ImmutableArray<BlockOp> Body)
{
    public BlockParam Param(string name) => Params.FirstOrDefault(p => p.Name == name)
        ?? throw new Core.StrataException(Core.ErrorCode.InvalidIr, $"block kernel @{Name} has no parameter %{name}", "declare it in the signature", $"block kernel @{Name}");

    public long Programs => Grid.Aggregate(1L, (a, b) => a * b);

    public bool Equals(BlockKernel? other) => other is not null && Name == other.Name && Params.SequenceEqual(other.Params)
        && Grid.SequenceEqual(other.Grid) && Body.SequenceEqual(other.Body);
    public override int GetHashCode() => HashCode.Combine(Name, Params.Length, Body.Length);
}
