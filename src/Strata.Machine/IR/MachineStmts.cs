using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Machine;

/// <summary>One statement of a Machine kernel. Statements assign registers (<see cref="Dest"/>), read and write
/// memory, or nest (loops, ifs). Memory (<c>%name[%index]</c>) is a kernel parameter or a <see cref="LocalBuffer"/>,
/// addressed by a linear element index (an <c>i64</c> register); a vector access touches <c>Lanes</c> consecutive
/// elements from the index. Every operand is a register: literals are defined with <see cref="ConstStmt"/>.
/// Vector ops act lane by lane with the scalar meaning of <see cref="ScalarSemantics"/>.</summary>
public abstract record MStmt
{
    /// <summary>The register this statement assigns (null for stores, prefetches, loops, ifs).</summary>
    public virtual Reg? Dest => null;

    /// <summary>The registers this statement reads (not those read inside nested bodies).</summary>
    public abstract IEnumerable<Reg> Uses { get; }
}

/// <summary><c>%c = const 1.5 : f32</c>; a vector type splats the literal over every lane.</summary>
public sealed record ConstStmt(Reg Target, Scalar Value) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [];
}

/// <summary><c>%p = program_id 0 : i64</c> — this instance's coordinate along grid axis <see cref="Axis"/>.</summary>
public sealed record ProgramIdStmt(Reg Target, int Axis) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [];
}

/// <summary><c>%a = mov %b : f32</c> — copies a register (same type).</summary>
public sealed record MoveStmt(Reg Target, Reg Source) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [Source];
}

/// <summary><c>%r = exp %x : v8f32</c>.</summary>
public sealed record UnaryStmt(Reg Target, UnaryOp Op, Reg X) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [X];
}

/// <summary><c>%r = add %a, %b : v8f32</c>; comparisons give <c>bool</c> (<c>vNbool</c> for vectors).</summary>
public sealed record BinaryStmt(Reg Target, BinaryOp Op, Reg A, Reg B) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [A, B];
}

/// <summary><c>%r = fma %a, %b, %c : v8f32</c> — a·b + c with one rounding (float types only).</summary>
public sealed record FmaStmt(Reg Target, Reg A, Reg B, Reg C) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [A, B, C];
}

/// <summary><c>%r = select %c, %a, %b : f32</c> — lane-wise for vectors (the condition is <c>vNbool</c> then).</summary>
public sealed record SelectStmt(Reg Target, Reg Condition, Reg IfTrue, Reg IfFalse) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [Condition, IfTrue, IfFalse];
}

/// <summary><c>%r = cast %x : f32</c> — element type conversion with <see cref="ScalarSemantics.Cast"/> (same lanes).</summary>
public sealed record CastStmt(Reg Target, Reg X) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [X];
}

/// <summary><c>%v = broadcast %s : v8f32</c> — a scalar register copied into every lane.</summary>
public sealed record BroadcastStmt(Reg Target, Reg Source) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [Source];
}

/// <summary><c>%r = shuffle %a, %b [0, 16, 1, 17, …] : v16f32</c> — lane l of the result is lane
/// <c>Lanes[l]</c> of the concatenation a ++ b (an index below the lane count picks from a, the others from b at index −
/// lanes). The indices are constants, one per lane, so a backend can pick one shuffle instruction for the pattern
/// (unpack, shufps, a 128-bit block shuffle) or a two-source permute. Why: a lanes × lanes block is transposed in
/// registers by log2(lanes) rounds of these (<see cref="Lowering.TransposeNetwork"/>) instead of going through memory
/// lane by lane.</summary>
public sealed record ShuffleStmt(Reg Target, Reg A, Reg B, ImmutableArray<int> Lanes) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [A, B];

    public bool Equals(ShuffleStmt? other) => other is not null && Target == other.Target && A == other.A && B == other.B
        && Lanes.SequenceEqual(other.Lanes);
    public override int GetHashCode() => HashCode.Combine(Target, A, B, Lanes.Length);
}

/// <summary><c>%s = reduce_lanes sum %v : f32</c> — sum/prod/max/min across the lanes of a vector in tree
/// order (lane i with lane i + n/2, n halving: the upper half folded onto the lower, as registers do it without a
/// spill; max/min propagate NaN like <see cref="ScalarSemantics.ReduceStep"/>).</summary>
public sealed record ReduceLanesStmt(Reg Target, ReduceOp Op, Reg Vector) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => [Vector];
}

/// <summary><c>%x = load %mem[%i] mask %m other 0.0 : f32</c>, <c>%v = load %mem[%i] from %s count %n : v8f32</c>.
/// A scalar load with a (scalar bool) <see cref="Mask"/> reads nothing where the mask is false and gives
/// <see cref="Other"/> (zero if absent). A vector load reads only the lanes l with <see cref="From"/> ≤ l &lt;
/// <see cref="Count"/> (i64s; an absent From is 0, an absent Count is Lanes, so values outside 0..Lanes act as if
/// clamped into it); the other lanes are <see cref="Other"/>. A vector load with a <see cref="Stride"/> s ≠ 1
/// (<c>load %mem[%i] stride 2 from %s count %n</c>, s ≥ 2) reads lane l from element i + l·s (a stride-2 pool's or
/// conv's <c>x[2·ow + kw]</c>); only the active lanes' elements are read. Everything read must be in bounds of the
/// memory.</summary>
public sealed record LoadStmt(Reg Target, string Memory, Reg Index, Reg? Mask = null, Reg? Count = null, Scalar? Other = null, Reg? From = null, long Stride = 1) : MStmt
{
    public override Reg? Dest => Target;
    public override IEnumerable<Reg> Uses => Opt(Index, Mask, From, Count);

    internal static IEnumerable<Reg> Opt(params Reg?[] regs) => regs.Where(r => r is not null).Select(r => r!);
}

/// <summary><c>store %mem[%i], %v mask %m</c> / <c>store %mem[%i], %v from %s count %n</c> — the write counterpart of
/// <see cref="LoadStmt"/>: nothing is written where the mask is false or outside the lanes From ≤ l &lt; Count. A vector
/// store with a <see cref="Stride"/> s ≠ 1 (<c>store %mem[%i], %v stride 3136 count %n</c>, s ≥ 2) writes lane l to
/// element i + l·s (a channels-as-columns conv's tile: an accumulator's lanes are channels, a plane apart in the
/// output); only the active lanes' elements are written.</summary>
public sealed record StoreStmt(string Memory, Reg Index, Reg Value, Reg? Mask = null, Reg? Count = null, Reg? From = null, long Stride = 1) : MStmt
{
    public override IEnumerable<Reg> Uses => LoadStmt.Opt(Index, Value, Mask, From, Count);
}

/// <summary><c>prefetch %mem[%i]</c> — a hint; no effect on results (and no bounds requirement).</summary>
public sealed record PrefetchStmt(string Memory, Reg Index) : MStmt
{
    public override IEnumerable<Reg> Uses => [Index];
}

/// <summary><c>loop %i = %lo to %hi step 8 { … }</c>: %i (i64) takes lo, lo+step, … while below hi. The bounds are
/// read once, before the first iteration; the body must not assign %i.</summary>
public sealed record LoopStmt(Reg Var, Reg Lower, Reg Upper, long Step, ImmutableArray<MStmt> Body) : MStmt
{
    public override IEnumerable<Reg> Uses => [Lower, Upper];

    public bool Equals(LoopStmt? other) => other is not null && Var == other.Var && Lower == other.Lower && Upper == other.Upper
        && Step == other.Step && Body.SequenceEqual(other.Body);
    public override int GetHashCode() => HashCode.Combine(Var, Lower, Upper, Step, Body.Length);
}

/// <summary><c>if %c { … } else { … }</c> on a scalar bool (the else part may be empty and is then not printed).</summary>
public sealed record IfStmt(Reg Condition, ImmutableArray<MStmt> Then, ImmutableArray<MStmt> Else) : MStmt
{
    public override IEnumerable<Reg> Uses => [Condition];

    public bool Equals(IfStmt? other) => other is not null && Condition == other.Condition
        && Then.SequenceEqual(other.Then) && Else.SequenceEqual(other.Else);
    public override int GetHashCode() => HashCode.Combine(Condition, Then.Length, Else.Length);
}
