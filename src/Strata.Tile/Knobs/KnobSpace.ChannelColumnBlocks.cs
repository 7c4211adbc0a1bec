using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

// The K (ci) and N (co) blocks of a channels-as-columns convolution (DotShape.WantsChannelColumns) tile their extents
// exactly: a partial last block is not a shorter dot but a full one over masked (zero) operands, so every FMA of its
// missing part is wasted. inception_v2's 14×14 and 7×7 convs (ci, co = 160, 192, 224, 320) in blocks of 128 and 64
// computed up to twice their flops (its 3×3 160→160 conv: K 128 + 128 for 160, N 64 + 64 + 64 for 160).
public sealed partial class KnobSpace
{
    /// <summary>A dividing K block is taken from [<see cref="MultiAxisMaxK"/>/2, 2·<see cref="MultiAxisMaxK"/>]: a [K, N]
    /// weight block of up to 256 × 128 f32 and the packed [K, R·M] input stay within L2.</summary>
    private const long ChannelColumnsMaxK = 2 * MultiAxisMaxK;

    /// <summary>A dividing N block is a multiple of this (whole vectors of the widest target, <see cref="DotShape.WideLanes"/>) and at least
    /// two of them: one vector per micro-tile row is latency-bound.</summary>
    private const long ChannelColumnsMinN = 2 * DotShape.WideLanes;

    /// <summary>Where the default K or N block of a channels-as-columns convolution leaves a partial last block, the
    /// largest divisor of the extent in range instead (K: 192 → 192, 320 → 160; N: 160 → 80, 224 → 112, 96 → 96); the
    /// default where none is. An im2col K (<see cref="DotShape.IsMergedTaps"/>) has its own rule (<see cref="DividingK"/>).</summary>
    private void ChannelColumnDividingBlocks(Dictionary<string, long> blocks, Computation c, DotRoles roles)
    {
        string kc = Classes.ClassOf(roles.K), nc = Classes.ClassOf(roles.N);
        if (!DotShape.IsMergedTaps(c) && Classes.Extent(kc) % blocks[kc] != 0
            && _blockCandidates[kc].LastOrDefault(v => IsChannelColumnK(kc, v)) is > 0 and var k)
            blocks[kc] = k;
        if (Classes.Extent(nc) % blocks[nc] != 0 && _blockCandidates[nc].LastOrDefault(v => IsChannelColumnN(nc, v)) is > 0 and var n)
            blocks[nc] = n;
    }

    /// <summary>The panel width of a channels-as-columns convolution's constant weight laid out at compile time
    /// (<see cref="Passes.PanelContractionWeights"/>), given its output channels: <see cref="PanelWidth"/> where that
    /// divides them (the N block, 64 or 128, is then whole panels); otherwise the N block that
    /// <see cref="ChannelColumnDividingBlocks"/> picks (the largest multiple of <see cref="DotShape.WideLanes"/> in
    /// [<see cref="ChannelColumnsMinN"/>, <see cref="ChannelColumnsMaxN"/>] that divides them: 160 → 80, 224 → 112,
    /// 288 → 96), one panel per block, so that every micro-tile of a block reads within one panel whatever its width
    /// (the Machine lowering proves it from the block start, a multiple of the panel); null where no such block exists
    /// (208 = 13 · 16: a masked last N block, whose B the micro-kernel packs).</summary>
    public static long? ChannelColumnsPanelWidth(long channels)
    {
        if (channels % PanelWidth == 0) return PanelWidth;
        return ChannelColumnsDividingN(channels);
    }

    /// <summary>Fewest whole vectors of a dividing N block that fill the micro-kernel's 4-vector tiles: narrower blocks
    /// run 2- or 3-vector tiles only, one broadcast per 2 or 3 FMAs.</summary>
    private const long ChannelColumnsWideN = 4 * DotShape.WideLanes;

    /// <summary>The dividing N block of a channels-as-columns convolution whose channels no multiple of
    /// <see cref="PanelWidth"/>: the largest multiple of <see cref="DotShape.WideLanes"/> in [<see cref="ChannelColumnsMinN"/>,
    /// <see cref="ChannelColumnsMaxN"/>] that divides them (160 → 80, 224 → 112, 288 → 96); where that is narrower than
    /// <see cref="ChannelColumnsWideN"/>, a dividing block of up to 2 · <see cref="ChannelColumnsMaxN"/> that splits into
    /// 4-vector tiles and a tail tile of 3 (<see cref="IsWideSplit"/>: 352 = 22 vectors → 2 · 176, tiles 4 + 4 + 3, where
    /// the largest divisor up to 128 is 32). Measured (1 thread, thread CPU): inception_v2's 1024→352 1×1 convs on 7×7,
    /// which took their positions as columns (49 in 4 vectors, a quarter of the lanes masked) for want of a block of
    /// whole tiles, 0.45 → 0.405 ms each (66 → 74% of the FMA peak; two alternations with m/trial). Null where no block
    /// exists (208 = 13 · 16).</summary>
    public static long? ChannelColumnsDividingN(long channels)
    {
        long? best = null;
        for (long v = ChannelColumnsMaxN; v >= ChannelColumnsMinN && best is null; v -= DotShape.WideLanes)
            if (channels % v == 0) best = v;
        if (best is null or < ChannelColumnsWideN)
            for (long v = 2 * ChannelColumnsMaxN; v > ChannelColumnsMaxN; v -= DotShape.WideLanes)
                if (channels % v == 0 && IsWideSplit(v)) return v;
        return best;
    }

    /// <summary>Whether a block of whole vectors splits into the micro-kernel's 4-vector tiles and at most a 3-vector
    /// tail (11 = 4 + 4 + 3; not 9 = 4 + 4 + 1 or 10 = 4 + 4 + 2, whose tail tiles are latency-bound).</summary>
    private static bool IsWideSplit(long v) =>
        v % DotShape.WideLanes == 0 && (v / DotShape.WideLanes % 4) is 0 or 3;

    private bool IsChannelColumnK(string cls, long v) =>
        Classes.Extent(cls) % v == 0 && v >= MultiAxisMaxK / 2 && v <= ChannelColumnsMaxK;

    private bool IsChannelColumnN(string cls, long v) =>
        Classes.Extent(cls) % v == 0 && v % DotShape.WideLanes == 0 && v >= ChannelColumnsMinN && v <= ChannelColumnsMaxN
        || v > ChannelColumnsMaxN && v == ChannelColumnsDividingN(Classes.Extent(cls));

    /// <summary>The dividing blocks of <see cref="ChannelColumnDividingBlocks"/> as block candidates of a channels-as-columns
    /// convolution's K and N classes.</summary>
    private ImmutableArray<long> WithChannelColumnDivisors(string cls, ImmutableArray<long> candidates)
    {
        var roles = Kernel.Computations.Where(c => c.Reduce is not null)
            .Select(c => (c, r: DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x)))))
            .Where(p => p.r is { Transposed: true } r && Classes.IsUsed(r.N) && Classes.IsUsed(r.K)).ToArray();
        bool isK = roles.Any(p => !DotShape.IsMergedTaps(p.c) && Classes.ClassOf(p.r!.K) == cls);
        bool isN = roles.Any(p => Classes.ClassOf(p.r!.N) == cls);
        if (!isK && !isN) return candidates;
        long extent = Classes.Extent(cls);
        var extra = Enumerable.Range(1, (int)Math.Min(extent, ChannelColumnsMaxK)).Select(v => (long)v)
            .Where(v => v < extent && !candidates.Contains(v) && (isK && IsChannelColumnK(cls, v) || isN && IsChannelColumnN(cls, v)));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>Halves the N block of a channels-as-columns convolution that leaves fewer than
    /// <see cref="ChannelColumnsShortRowsMinPrograms"/> programs (one per core of a 2-core host), while the half stays
    /// whole 4-vector tiles (<see cref="ChannelColumnsWideN"/>) and divides the channels: inception_v2's 1024→128 1×1
    /// convs on 7×7 ran as one program, one core idle at 2 threads. At 1 thread each half reads the input again (its
    /// [1024, 49] block from L2): measured 0.135 ms either way (thread CPU, two alternations with m/trial).</summary>
    private void ChannelColumnProgramsN(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, string nc)
    {
        while (parallel.Contains(nc) && Programs() < ChannelColumnsShortRowsMinPrograms && blocks[nc] % (2 * ChannelColumnsWideN) == 0
            && Classes.Extent(nc) % (blocks[nc] / 2) == 0)
            blocks[nc] /= 2;

        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
    }

    /// <summary>Most bytes of f32 weights ([N, ci·kh·kw]) a one-row channels-as-columns program may read
    /// (<see cref="ChannelColumnWeightN"/>): half the 2 MiB L2 of the Intel host, so that the next program, the next
    /// output row of the same channels, finds them there beside its input rows.</summary>
    private const long ChannelColumnsMaxRowWeightBytes = 1 << 20;

    /// <summary>Halves the N block of a channels-as-columns convolution whose programs each compute one output row
    /// (no stacked rows, <see cref="ChannelColumnRowsBlock"/>) while its weight block is over
    /// <see cref="ChannelColumnsMaxRowWeightBytes"/>, the half stays whole 4-vector tiles and divides the channels, and
    /// the N blocks are programs (an N loop inside one program reads every weight either way). Measured on the Intel
    /// Xeon host (1 thread; two sessions in one process, alternated, each creation order once, the gain the geometric
    /// mean of the two paired-median ratios): 3×3 512→512 on 28×28 (2.4 MB → 1.2 MB per program) 1.098, 256→256 on 56×56
    /// (1.2 MB → 590 KiB) 1.055; 590 KiB blocks halved gained nothing (128→128 on 112×112 1.003, on 28×28 0.997), nor 32
    /// columns instead of 64 (512→512 on 28×28: 0.81, 2-vector tiles); stacked rows (512→512 on 14×14, 7 rows of 14 per
    /// program) read each weight once for their 98 positions and lost at 64 (0.965). Whole vgg19: 1.062 at 1 thread,
    /// 1.046 at 2.</summary>
    private void ChannelColumnWeightN(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, Computation c, DotRoles roles, string nc)
    {
        if (!parallel.Contains(nc) || ChannelColumnRowsAxis(c, roles) is { } rc && blocks[rc] > 1) return;
        long perChannel = 4 * c.Reduce!.Axes.Aggregate(1L, (p, a) => p * Classes.Extent(Classes.ClassOf(a)));
        while (blocks[nc] * perChannel > ChannelColumnsMaxRowWeightBytes && blocks[nc] % (2 * ChannelColumnsWideN) == 0
            && Classes.Extent(nc) % (blocks[nc] / 2) == 0)
            blocks[nc] /= 2;
    }
}
