using Strata.Tile;

namespace Strata.Block;

/// <summary>A computation that lowers to <c>dot</c> under the schedule: X is an [M, K] block, Y a [K, N] block, and
/// their product is the output block (all its other dims have size 1); the rule is <see cref="DotShape"/>'s, which the
/// knob space's block budget uses too. Lanes beyond K's extent are 0 in both operands: a masked load reads 0 and a
/// padded operand's other branch is 0. <see cref="GroupAxes"/> are M or N axes that the other operand reads only
/// group-wise (a grouped convolution's co in its input): that operand is evaluated at the block's first index.
/// <see cref="Transposed"/>: M comes after N in the output, so the [M, N] product is stored transposed.
/// <see cref="Rows"/>: an output axis only X reads whose block gives one dot per index (<see cref="DotShape.Rows"/>).</summary>
internal sealed record ContractionMatch(Expr X, Expr Y, string? M, string? N, string K, IReadOnlyCollection<string> GroupAxes, bool Transposed, string? Rows)
{
    public static ContractionMatch? Find(Computation c, TileSchedule s) =>
        DotShape.Find(c, a => s.Block(a), a => s.Kernel.Axis(a).Extent) is { } d
            ? new ContractionMatch(d.X, d.Y, d.M, d.N, d.K, d.GroupAxes, d.Transposed, d.Rows) : null;
}
