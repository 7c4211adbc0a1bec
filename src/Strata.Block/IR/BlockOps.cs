using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>One operation of a Block program (Triton's level). Each op defines at most the values in
/// <see cref="Results"/>. Elementwise ops broadcast their operands numpy-style to the result shape.</summary>
public abstract record BlockOp
{
    public abstract IEnumerable<BlockValue> Results { get; }
    public abstract IEnumerable<BlockValue> Operands { get; }
}

/// <summary><c>%pm = program_id 0 : index</c> — this instance's coordinate along grid axis <see cref="Axis"/>.</summary>
public sealed record ProgramIdOp(BlockValue Result, int Axis) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [];
}

/// <summary>A scalar literal, or a block filled with it (<c>%z = constant 0.0 : f32[48,256]</c>).</summary>
public sealed record ConstantOp(BlockValue Result, Scalar Value) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [];
}

/// <summary><c>%r = arange %start, 48 : index[48]</c> — start + [0, 1, …, 47].</summary>
public sealed record ArangeOp(BlockValue Result, BlockValue Start, int Length) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [Start];
}

/// <summary>Numpy-style broadcast of <see cref="Source"/> to the result's shape.</summary>
public sealed record BroadcastOp(BlockValue Result, BlockValue Source) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [Source];
}

/// <summary>Same elements, another shape of the same size (e.g. index[48] → index[48,1] to broadcast along columns).</summary>
public sealed record ReshapeOp(BlockValue Result, BlockValue Source) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [Source];
}

public sealed record UnaryBlockOp(BlockValue Result, UnaryOp Op, BlockValue X) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [X];
}

public sealed record BinaryBlockOp(BlockValue Result, BinaryOp Op, BlockValue A, BlockValue B) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [A, B];
}

public sealed record SelectBlockOp(BlockValue Result, BlockValue Condition, BlockValue IfTrue, BlockValue IfFalse) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [Condition, IfTrue, IfFalse];
}

public sealed record CastBlockOp(BlockValue Result, BlockValue X) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [X];
}

/// <summary><c>%xa = load %x[%rm, %rk] mask %mm other 0.0 : f32[48,256]</c>: one index block per dim of the
/// parameter; the index blocks (and the mask) broadcast to the result shape. Where the mask is false nothing is
/// read and the element is <see cref="Other"/> (zero if absent). Unmasked elements must be in bounds.</summary>
public sealed record LoadOp(BlockValue Result, string Param, ImmutableArray<BlockValue> Indices, BlockValue? Mask, Scalar? Other) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => Mask is null ? Indices : Indices.Append(Mask);

    public bool Equals(LoadOp? other) => other is not null && Result == other.Result && Param == other.Param
        && Indices.SequenceEqual(other.Indices) && Mask == other.Mask && Other == other.Other;
    public override int GetHashCode() => HashCode.Combine(Result, Param, Indices.Length, Mask, Other);
}

/// <summary><c>store %out[%rm, %rn], %g mask %mm</c>.</summary>
public sealed record StoreOp(string Param, ImmutableArray<BlockValue> Indices, BlockValue Value, BlockValue? Mask) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [];
    public override IEnumerable<BlockValue> Operands => Indices.Append(Value).Concat(Mask is null ? [] : [Mask]);

    public bool Equals(StoreOp? other) => other is not null && Param == other.Param && Indices.SequenceEqual(other.Indices)
        && Value == other.Value && Mask == other.Mask;
    public override int GetHashCode() => HashCode.Combine(Param, Indices.Length, Value, Mask);
}

/// <summary><c>%c = dot %a, %b, %acc</c>: [M,K]·[K,N] + [M,N], accumulated in the accumulator's type.</summary>
public sealed record DotOp(BlockValue Result, BlockValue A, BlockValue B, BlockValue Accumulator) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [A, B, Accumulator];
}

/// <summary><c>%s = reduce sum %x, axis 1 : f32[48]</c> — removes <see cref="Axis"/>. Arg reductions give index positions.</summary>
public sealed record ReduceBlockOp(BlockValue Result, ReduceOp Op, BlockValue X, int Axis) : BlockOp
{
    public override IEnumerable<BlockValue> Results => [Result];
    public override IEnumerable<BlockValue> Operands => [X];
}

/// <summary><c>%r = for %k = %lo to %hi step S iter(%a = %init) -> T { ... yield %a1 }</c>: a sequential loop with
/// loop-carried values. <see cref="IterArgs"/> are the body's names for the carried values; <see cref="Results"/>
/// receive their final values.</summary>
public sealed record ForOp(
    ImmutableArray<BlockValue> LoopResults,
    BlockValue InductionVar,
    BlockValue Lower,
    BlockValue Upper,
    long Step,
    ImmutableArray<BlockValue> IterArgs,
    ImmutableArray<BlockValue> Inits,
    ImmutableArray<BlockOp> Body,
    ImmutableArray<BlockValue> Yields) : BlockOp
{
    public override IEnumerable<BlockValue> Results => LoopResults;
    public override IEnumerable<BlockValue> Operands => Inits.Prepend(Upper).Prepend(Lower);

    public bool Equals(ForOp? other) => other is not null && LoopResults.SequenceEqual(other.LoopResults) && InductionVar == other.InductionVar
        && Lower == other.Lower && Upper == other.Upper && Step == other.Step && IterArgs.SequenceEqual(other.IterArgs)
        && Inits.SequenceEqual(other.Inits) && Body.SequenceEqual(other.Body) && Yields.SequenceEqual(other.Yields);
    public override int GetHashCode() => HashCode.Combine(InductionVar, Step, Body.Length);
}
