using Strata.Conformance;

namespace Strata.Runtime.Tests;

/// <summary>The tolerance for outputs that sum many products: relative 1e-3, and an absolute one that grows with the
/// number of terms (1e-7 each). The reference sums in another order (no blocks, no FMA), and the rounding of f32 sums
/// of products of values in [-1, 1] grows with their length: an output near 0 fails a fixed absolute tolerance once
/// the sums are long. A 3×3 grouped conv of 122 channels a group (1098 terms) came out 1.03e-5 off at 2.8e-4 against
/// the 1e-5 these tests had (CsCheck seed cSuUDx-law64, on main before and after the change that met it).</summary>
internal static class SumTolerance
{
    public static ValueComparer For(long terms) => new(RelativeTolerance: 1e-3, AbsoluteTolerance: Math.Max(1e-5, 1e-7 * terms));
}
