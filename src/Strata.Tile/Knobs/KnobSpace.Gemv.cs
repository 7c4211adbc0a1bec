using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

// One row times a matrix read along K (a Gemm with transB or a Linear layer at batch 1, an FC layer's [N, K] weight):
// no dot (DotShape's rule), a sum along K per output column. Such a kernel streams the weight once, so its blocks are
// chosen for memory bandwidth, not for reuse.
public sealed partial class KnobSpace
{
    /// <summary>Largest N block of the row-times-transposed default: one vector's worth of outputs per program is
    /// enough (the weight is read once whatever the block), more only lengthens the epilogue's vectors.</summary>
    private const long GemvMaxN = 64;

    /// <summary>Programs the row-times-transposed default aims for while N can shrink: a few per core, so two threads
    /// split the weight evenly.</summary>
    private const long GemvProgramTarget = 16;

    /// <summary>The default for a kernel whose only reduction is one float sum over K of a single row (every output axis
    /// the row reads has extent 1) times an operand whose innermost index is K (each output column's weights
    /// contiguous), its epilogue over the same columns: K takes its whole extent (each weight row is read as one
    /// contiguous stream and its lanes are folded once, not once per 128-element chunk with a carried partial), or the
    /// largest block the budget allows; N then takes what the budget leaves, at most <see cref="GemvMaxN"/>, halving
    /// until the grid has <see cref="GemvProgramTarget"/> programs, then the largest divisor of N not below half that block
    /// (<see cref="WithGemvDivisors"/>); every other class 1. Null when the kernel is not
    /// of that form.</summary>
    private Config? GemvDefault()
    {
        if (GemvClasses() is not var (k, n)) return null;

        var blocks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in Classes.All) blocks[c] = 1;
        blocks[k] = BlockAtMost(k, BlockBudget);
        long cap = Math.Min(GemvMaxN, BlockBudget / blocks[k]);
        blocks[n] = BlockAtMost(n, cap);
        if (BudgetProblem(c => blocks[c]) is not null) return null;
        var parallel = ParallelCandidates.Where(c => c == n).ToList();
        while (Programs(blocks[n]) < GemvProgramTarget && blocks[n] > MinInnermostBlock)
            blocks[n] = _blockCandidates[n].Last(v => v < blocks[n]);
        // A divisor of N up to the block chosen (and not below half of it) leaves no masked tail block: a masked
        // block's rows load their weights with a lane count per load, branchy code that halves the stream's bandwidth.
        long extent = Classes.Extent(n), chosen = blocks[n];
        if (extent % chosen != 0)
            blocks[n] = _blockCandidates[n].LastOrDefault(v => v <= chosen && 2 * v >= chosen && extent % v == 0, chosen);

        var cfg = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (c, v) in blocks) cfg[KnobNames.Block(c)] = Str(v);
        cfg[KnobNames.Parallel] = KnobNames.JoinParallel(parallel);
        cfg[KnobNames.Order] = KnobNames.JoinOrder(Classes.Output.Where(c => !parallel.Contains(c)));
        cfg[KnobNames.Vector] = n;
        cfg[KnobNames.Unroll] = "1";
        foreach (var c in Classes.Reduce) cfg[KnobNames.Split(c)] = "1";
        foreach (var i in ContractionInputs) cfg[KnobNames.Pack(i)] = KnobNames.None;
        return new Config(cfg.ToImmutable());

        long Programs(long block) => (Classes.Extent(n) + block - 1) / block;
    }

    /// <summary>Divisors of a row-times-transposed kernel's N extent between <see cref="MinInnermostBlock"/> / 2 and
    /// <see cref="GemvMaxN"/> as block candidates of its N class (<see cref="GemvDefault"/> takes one where the
    /// power of two would leave a masked tail block: 1000 outputs as 20 × 50, not 16 × 64 − 24).</summary>
    private ImmutableArray<long> WithGemvDivisors(string cls, ImmutableArray<long> candidates)
    {
        if (GemvClasses() is not var (_, n) || n != cls) return candidates;
        return WithDivisorsBetween(candidates, Classes.Extent(cls), MinInnermostBlock / 2, GemvMaxN);
    }

    /// <summary>The K and N classes of a kernel of <see cref="GemvDefault"/>'s form, or null.</summary>
    private (string K, string N)? GemvClasses()
    {
        if (Kernel.Computations.Count(c => c.Reduce is not null) != 1) return null;
        var dot = Kernel.Computations.Single(c => c.Reduce is not null);
        if (dot.Reduce is not { Axes.Length: 1 } r || DotShape.Operands(dot) is null) return null;
        long Extent(string axis) => Classes.Extent(Classes.ClassOf(axis));
        if (DotShape.Roles(dot, Extent) is not { } roles || roles.K != r.Axes[0]) return null;
        if (roles.M is { } m && Extent(m) > 1) return null;
        if (DotShape.LoadOf(roles.Y) is not { Indices.Length: > 0 } y || y.Indices[^1] is not IndexVar { Name: var last } || last != roles.K) return null;
        // The row operand may only read K and output axes of extent 1 (no other reduction or broadcast axes).
        if (!ExprAnalysis.AxesOf(roles.X).All(a => a == roles.K || Extent(a) == 1)) return null;
        string k = Classes.ClassOf(roles.K), n = Classes.ClassOf(roles.N);
        if (k == n || !Classes.All.All(c => c == k || c == n || Classes.Extent(c) == 1)) return null;
        return (k, n);
    }
}
