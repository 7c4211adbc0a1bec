using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;

namespace Strata.Machine;

/// <summary>Level 3: how one program instance of a Block kernel runs on a concrete <see cref="Target"/> — explicit
/// loops, scalar and vector registers of the target's width, loads/stores at linear element indices, local
/// buffers. Every instance of <see cref="Grid"/> runs <see cref="Body"/> with its own <c>program_id</c>s; the runtime
/// splits the instances over threads (instances are independent, as at the Block level).
/// <see cref="Params"/> are the Block kernel's (whole tensors, row-major, addressed linearly).</summary>
public sealed record MachineKernel(
    string Name,
    Target Target,
    ImmutableArray<BlockParam> Params,
    ImmutableArray<long> Grid,
    ImmutableArray<LocalBuffer> Buffers,
    ImmutableArray<MStmt> Body)
{
    public long Programs => Grid.Aggregate(1L, (a, b) => a * b);

    public BlockParam? Param(string name) => Params.FirstOrDefault(p => p.Name == name);
    public LocalBuffer? Buffer(string name) => Buffers.FirstOrDefault(b => b.Name == name);

    /// <summary>Element type and length of a parameter or local buffer, or null if neither has that name.</summary>
    public (DataType Element, long Length)? Memory(string name) =>
        Param(name) is { } p ? (p.Element, p.Shape.Aggregate(1L, (a, b) => a * b))
        : Buffer(name) is { } b ? (b.Element, b.Length) : null;

    public bool Equals(MachineKernel? other) => other is not null && Name == other.Name && Target.Name == other.Target.Name
        && Params.SequenceEqual(other.Params) && Grid.SequenceEqual(other.Grid) && Buffers.SequenceEqual(other.Buffers)
        && Body.SequenceEqual(other.Body);
    public override int GetHashCode() => HashCode.Combine(Name, Target.Name, Params.Length, Body.Length);
}
