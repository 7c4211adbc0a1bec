using System.Collections.Immutable;

namespace Strata.Tile;

/// <summary>A reduction of a computation: <c>sum[k]</c> over the given axes.</summary>
public sealed record Reduction(ReduceOp Op, ImmutableArray<string> Axes)
{
    public bool Equals(Reduction? other) => other is not null && Op == other.Op && Axes.SequenceEqual(other.Axes);
    public override int GetHashCode() => HashCode.Combine(Op, Axes.Length);
}

/// <summary>One definition of a kernel: <c>%out[m, n] = gelu(add(%acc[m, n], %b1[n]))</c> or, with a reduction,
/// <c>%acc[m, n] = sum[k] mul(%x[m, k], %w1[k, n])</c>. The output buffer is indexed by the axes in
/// <see cref="Indices"/>, one per dim (its extent equals the dim); the body is evaluated at every point of the
/// output indices (× the reduction axes). Arg reductions produce the i64 position along their single axis.</summary>
public sealed record Computation(string Output, ImmutableArray<string> Indices, Reduction? Reduce, Expr Body)
{
    public bool Equals(Computation? other) => other is not null && Output == other.Output && Indices.SequenceEqual(other.Indices)
        && Equals(Reduce, other.Reduce) && Body.Equals(other.Body);
    public override int GetHashCode() => HashCode.Combine(Output, Indices.Length, Reduce, Body);
}
