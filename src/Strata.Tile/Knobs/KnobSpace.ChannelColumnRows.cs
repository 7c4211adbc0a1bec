using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

public sealed partial class KnobSpace
{
    /// <summary>Most output positions (row block × M block) one channels-as-columns program covers
    /// (<see cref="ChannelColumnRowsBlock"/>): its accumulators and packed input rows, (K + N) floats per position,
    /// stay within L2 beside the [K, N] weight block (7 rows of a 14-wide plane).</summary>
    private const long ChannelColumnsMaxPositions = 128;

    /// <summary>Fewest rows per program worth stacking, and the widest row (M block) that gains from it. Measured (1
    /// thread, CPU time, inception_v2 / inception_v1 / resnet50): 7 rows of 7 or 14 and 6 rows of 6 positions 15–30%
    /// faster; 2 rows of 14 and 3 or 4 rows of 27–28 positions 2–9% slower (a 28-wide row already takes five 6-row
    /// micro-tiles per weight block).</summary>
    private const long ChannelColumnsMinRows = 4;

    /// <summary>Fewest programs a stack of short rows (at most <see cref="ChannelColumnsUnrolledMaxRow"/> positions)
    /// leaves, where others keep <see cref="MultiAxisMinPrograms"/>: one per core of a 2-core host. An unstacked 7-wide
    /// row is one 6-row micro-tile and a 1-row one per weight step. Measured (1 thread, thread CPU, two sittings,
    /// inception_v2): its 3×3 convs on 7×7 with 224 channels as 2 · 112 columns (2 programs of 7 rows, not 14 of one)
    /// 0.38 → 0.30 ms, the 3×3/2 256→256 to 7×7 0.50 → 0.42; 7 rows of 14 as 2 programs were 5–15% slower, so
    /// they keep 4.</summary>
    private const long ChannelColumnsShortRowsMinPrograms = 2;

    /// <summary>The weight block per program (N channels × every ci, kh, kw) above which a channels-as-columns conv
    /// takes several output rows per program: one of at most 256 KiB stays in a 1 MiB L2 beside the input and output
    /// from one row's program to the next, so more rows per program only cost programs (a 3×3 64→64 conv: 147 KiB;
    /// resnet50's 1×1/2 1024→2048 conv, 512 KiB per 128 channels, measured 10–15% faster with 7 rows per program).</summary>
    private const long ChannelColumnsRowsMinWeightBytes = 256 << 10;

    /// <summary>The output axis whose block stacks several output rows of a channels-as-columns convolution into one dot
    /// (<see cref="DotShape.Rows"/>): the output axis just before M (oh before ow), read by the input alone.</summary>
    private string? ChannelColumnRowsAxis(Computation c, DotRoles roles)
    {
        if (!roles.Transposed || roles.M is not { } m || c.Indices.IndexOf(m) is var i && i < 1) return null;
        string rows = c.Indices[i - 1];
        if (!Classes.IsUsed(rows) || !Classes.IsUsed(m) || !Classes.IsUsed(roles.N) || rows == roles.N || !ExprAnalysis.AxesOf(roles.X).Contains(rows) || ExprAnalysis.AxesOf(roles.Y).Contains(rows)) return null;
        string cls = Classes.ClassOf(rows);
        return Classes.Extent(cls) > 1 && cls != Classes.ClassOf(m) && cls != Classes.ClassOf(roles.N) ? cls : null;
    }

    /// <summary>The row block of a channels-as-columns convolution on a small plane: each program otherwise computes
    /// one output row (M = ow positions) against its whole [ci·kh·kw, N] weight block, reading it again for every
    /// row from L3 or memory (resnet50's 3×3 512→512 on 7×7: 2.4 MB per program, 3.5 FLOP per byte). A block of R rows
    /// reads each step's [K, N] weight block once for all of them (one dot of R·M rows). R: the largest divisor of the rows' extent with
    /// R × M at most <see cref="ChannelColumnsMaxPositions"/> that leaves <see cref="MultiAxisMinPrograms"/>
    /// programs (<see cref="ChannelColumnsShortRowsMinPrograms"/> for short rows); 1 where the weight block is small
    /// enough to stay in L2 anyway (<see cref="ChannelColumnsRowsMinWeightBytes"/>), where M is wider than <see cref="DotShape.WideLanes"/> or R would
    /// be below <see cref="ChannelColumnsMinRows"/>.</summary>
    private void ChannelColumnRowsBlock(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, Computation c, DotRoles roles)
    {
        if (ChannelColumnRowsAxis(c, roles) is not { } rc) return;
        long weight = 4 * blocks[Classes.ClassOf(roles.N)] * c.Reduce!.Axes.Aggregate(1L, (p, a) => p * Classes.Extent(Classes.ClassOf(a)));
        if (weight <= ChannelColumnsRowsMinWeightBytes) return;
        long m = blocks[Classes.ClassOf(roles.M!)];
        if (m > DotShape.WideLanes) return;
        foreach (var r in _blockCandidates[rc].Reverse())
        {
            if (r < ChannelColumnsMinRows) return;
            if (Classes.Extent(rc) % r != 0 || r * m > ChannelColumnsMaxPositions) continue;
            long was = blocks[rc];
            blocks[rc] = r;
            long least = m <= ChannelColumnsUnrolledMaxRow ? ChannelColumnsShortRowsMinPrograms : MultiAxisMinPrograms;
            if (Programs() >= least || !parallel.Contains(rc) && Programs() >= 1) return;
            blocks[rc] = was;
        }

        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
    }

    /// <summary>Widest row (M block) of a row-stacked channels-as-columns convolution whose dot the default unrolls
    /// (<see cref="DefaultUnroll"/>): half a vector of the widest target.</summary>
    private const long ChannelColumnsUnrolledMaxRow = DotShape.WideLanes / 2;

    /// <summary>The unroll of the k loop the default gives a kernel: 4 for the dot of a convolution that keeps its
    /// reduction axes (ci, kh, kw: taps read in place, with positions or channels as columns; a 1×1 conv's kh = kw = 1
    /// too), else 1 — not an im2col stem's merged K (inception_v2's 7×7/2 stem 1.7 → 5.5 ms unrolled) or a depthwise conv
    /// (no dot); a plain GEMM takes the contraction default's <see cref="ContractionUnroll"/>, also 4. The unrolled steps
    /// share their address arithmetic (KernelLowerer.Micro: one multiply per operand per group, the rest load
    /// displacements), so a step is its loads and FMAs, where a step of the rolled loop recomputed both operands' addresses
    /// (5 integer ops beside 24 FMAs). Measured on a host with full-width 512-bit FMAs (Intel Xeon, 2 cores, 1 thread;
    /// two sessions in one process, alternated, in both creation orders, the gain the geometric mean of the two
    /// paired-median ratios): inception_v2 1.072. (A first measurement in one creation order only, which favours the
    /// session created second by 2–9%, read 1.05–1.12 on the light models.) Per kernel (`strata bench --profile`, two
    /// alternations): inception_v2's 3×3 convs on 14×14 with 7 rows stacked 1.33–1.50 each, its 1×1 convs unchanged.
    /// Before, only rows of at most <see cref="ChannelColumnsUnrolledMaxRow"/> positions stacked were unrolled (they still
    /// are, whatever their K): on the Zen 4 host (double-pumped FMAs, half the FMA rate per step) unrolling without the
    /// shared addresses measured 4–12% faster there and between 11% slower and 12% faster elsewhere.</summary>
    private int DefaultUnroll(IReadOnlyDictionary<string, long> blocks)
    {
        foreach (var c in Kernel.Computations)
        {
            if (c.Reduce is null || DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is not { M: { } m } roles) continue;
            if (ChannelColumnRowsAxis(c, roles) is { } rc && blocks[rc] > 1 && blocks[Classes.ClassOf(m)] <= ChannelColumnsUnrolledMaxRow)
                return 4;
            if (roles.Group is null && DotShape.IsMultiTap(c) && !DotShape.IsMergedTaps(c))
                return 4;
        }
        return 1;
    }

    /// <summary>Divisors of a channels-as-columns convolution's row extent (<see cref="ChannelColumnRowsBlock"/>) as
    /// block candidates of its class: a row block must divide the rows (<see cref="DotShape.Rows"/>).</summary>
    private ImmutableArray<long> WithChannelColumnRows(string cls, ImmutableArray<long> candidates)
    {
        bool rows = Kernel.Computations.Any(c => c.Reduce is not null
            && DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is { } roles
            && ChannelColumnRowsAxis(c, roles) == cls);
        if (!rows) return candidates;
        long extent = Classes.Extent(cls);
        var extra = Enumerable.Range(2, (int)Math.Min(extent, ChannelColumnsMaxPositions)).Select(v => (long)v)
            .Where(v => v < extent && extent % v == 0 && !candidates.Contains(v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }
}
