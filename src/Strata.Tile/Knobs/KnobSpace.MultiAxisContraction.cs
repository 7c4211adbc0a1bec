using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

public sealed partial class KnobSpace
{
    /// <summary>Largest default block of the reduction axis K of a multi-axis contraction: a K×N panel of the input
    /// (N up to <see cref="MultiAxisMaxN"/> f32) stays within a 32 KiB L1, the weight block M×K within L2.</summary>
    private const long MultiAxisMaxK = 128;

    /// <summary>Largest default block of the column axis N (the vector axis).</summary>
    private const long MultiAxisMaxN = 64;

    /// <summary>Largest default block of N where the channels are the dot's columns (<see cref="DotShape.WantsChannelColumns"/>):
    /// a program packs its A block (a run of input positions × K, for every tap) once and every column reuses it, so
    /// the wider N, the fewer packs per FMA. Measured on resnet50's 3×3 convs on 7×7 and 14×14 planes (1 thread, CPU
    /// time): 64 channels 2.7 / 1.55 ms, 128 channels 2.2 / 1.33 ms, 256 no better; 32 and 48 slower. Only where the
    /// block tiles the channels exactly: inception_v1's 192-, 288- and 320-channel convs as 128-wide blocks computed a
    /// partial last block (its 3×3 128→192 conv 1.9 → 2.9 ms); they keep 64.</summary>
    private const long ChannelColumnsMaxN = 128;

    /// <summary>Largest default block of N of an im2col contraction (<see cref="Passes.MergeContractionTaps"/>) that takes
    /// its whole output row: a stem's 112- or 111-wide rows as 64 + 48 columns ran a 64-wide micro-kernel over a quarter
    /// of masked columns in every second program and paid each packed K row's bounds arithmetic for 4 vectors instead
    /// of 7 (resnet50's 7×7/2 stem: see the commit). Wider rows keep <see cref="MultiAxisMaxN"/> (a K × N panel of
    /// 147 × 128 f32 is 74 KiB, in L2 either way). Only where the conv is the kernel's one reduction: zfnet's stem with
    /// its LRN fused grew past RyuJIT's budget with the row's extra tail tile shapes (about 512 locals; Vector512
    /// intrinsics became calls: 5.9 → 20.9 ms).</summary>
    private const long MergedTapsMaxN = 128;

    /// <summary>Largest default block of the row axis M: about ten 6-row micro-kernel tiles.</summary>
    private const long MultiAxisMaxM = 64;

    /// <summary>Largest default block of the row axis M (co) of a pointwise conv that takes its positions as columns: its
    /// [K, N] block of input rows (an activation, read in place a whole plane apart) comes from L3 once per program, and
    /// every row tile reuses it from L1, so M is that block's reuse. 128 halves the input read per output against 64.
    /// Measured on the Intel Xeon host (1 thread; two sessions in one process, alternated, each creation order once,
    /// the gain the geometric mean of the two paired-median ratios, which cancels a 2–4% bias towards the session
    /// created second): a lone 1×1 256→128 on 56×56 1.030, resnet50 1.009 (its 1×1 convs on 56×56 and 28×28), within
    /// the noise.</summary>
    private const long PointwiseMaxM = 128;

    /// <summary>Whether a conv-like contraction is pointwise with its positions as columns: every reduction axis but K
    /// (kh, kw) has extent 1, the taps are not merged, and the channels are not the columns.</summary>
    private bool IsPointwise(Computation c, DotRoles roles) =>
        !roles.Transposed && !DotShape.IsMergedTaps(c) && c.Reduce!.Axes.All(a => a == roles.K || Classes.Extent(Classes.ClassOf(a)) == 1);

    /// <summary>Outputs per program the default aims for where a multi-axis contraction has no row axis.</summary>
    private const long MultiAxisMinElements = 256;

    /// <summary>The default never leaves a multi-axis contraction with fewer programs than this while M can shrink
    /// (two per core of a 2-core host: both cores get work and the runtime can balance).</summary>
    private const long MultiAxisMinPrograms = 4;

    /// <summary>Default blocks of a sum of products over several reduction axes (a convolution: sum over ci, kh, kw
    /// of a padded input times a weight), chosen so it lowers to <c>dot</c> (<see cref="DotShape"/>): the reduction
    /// axis both operands read with the largest extent is K (ci), block up to <see cref="MultiAxisMaxK"/>, the other
    /// reduction axes 1 (looped around the dot); N is the innermost output axis (ow), its whole extent up to
    /// <see cref="MultiAxisMaxN"/>; M is the largest output axis only the other operand reads (co), up to
    /// <see cref="MultiAxisMaxM"/>; every other output axis (batch, oh) 1, so the parallel axes give the programs.
    /// Without such an M (depthwise and grouped convs read the channel in both operands) every reduction block is 1
    /// and N is vectorised (no dot).
    /// Where N is longer than its block (a 1×1 conv's merged oh·ow, <see cref="Passes.MergeContiguousAxes"/>; a wide
    /// row) N's blocks are programs too, so M keeps its block instead of shrinking for programs.
    /// Blocks then shrink (K first) until the kernel fits the budget: legal for any shape.</summary>
    private void MultiAxisContractionBlocks(Dictionary<string, long> blocks, List<string> parallel)
    {
        foreach (var c in Kernel.Computations)
        {
            if (DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is not { } roles) continue;
            var (m, n, k) = (roles.M, roles.N, roles.K);
            foreach (var x in c.Indices.Concat(c.Reduce!.Axes)) blocks[Classes.ClassOf(x)] = 1;
            blocks[Classes.ClassOf(n)] = BlockAtMost(Classes.ClassOf(n), MultiAxisMaxN);
            if (roles.Transposed && BlockAtMost(Classes.ClassOf(n), ChannelColumnsMaxN) is var wide && Classes.Extent(Classes.ClassOf(n)) % wide == 0)
                blocks[Classes.ClassOf(n)] = wide;
            if (m is null)
            {
                // No row axis (depthwise or grouped: both operands read the channel): no dot (one row would be an axpy
                // with packing per step) but a vectorised multiply-add along N per reduction element, all reduction
                // blocks 1; the output axis before N takes rows so a program has about MultiAxisMinElements outputs.
                // N takes the whole output row up to MultiAxisMinElements: a row split into blocks masks the tail of
                // every block, where a whole row masks only its padded edges (the Machine level's edge/interior split).
                blocks[Classes.ClassOf(n)] = BlockAtMost(Classes.ClassOf(n), Math.Max(MultiAxisMaxN, MultiAxisMinElements));
                if (c.Indices.Length > 1)
                {
                    string rows = Classes.ClassOf(c.Indices[^2]);
                    blocks[rows] = DividingBlockAtMost(rows, Math.Max(1, MultiAxisMinElements / blocks[Classes.ClassOf(n)]));
                }
                continue;
            }
            // K takes a block that divides it (DividingK) where a masked tail block would run in full: always for an
            // im2col K and a grouped conv's K (ci per group: 136 in blocks of 128 ran the micro-kernel over 256 rows,
            // the last 120 masked zeros); for a plain conv's K (ci) where the usual block leaves a tail (densenet's 1×1
            // convs over 160, 224, 480… channels; 256, 512… keep 128). Channels as columns take theirs in
            // ChannelColumnDividingBlocks.
            string kc = Classes.ClassOf(k);
            bool dividing = DotShape.IsMergedTaps(c) || roles.Group is not null
                || !roles.Transposed && Classes.Extent(kc) % BlockAtMost(kc, MultiAxisMaxK) != 0;
            blocks[kc] = dividing ? DividingK(kc) : BlockAtMost(kc, MultiAxisMaxK);
            if (roles.Transposed) ChannelColumnDividingBlocks(blocks, c, roles);
            string nc = Classes.ClassOf(n);
            if (DotShape.IsMergedTaps(c) && !roles.Transposed && BlockAtMost(nc, MergedTapsMaxN) == Classes.Extent(nc)
                && Kernel.Computations.Count(x => x.Reduce is not null) == 1)
                blocks[nc] = Classes.Extent(nc);
            else if (DotShape.IsMergedTaps(c) && !roles.Transposed && Classes.Extent(nc) % blocks[nc] != 0)
                blocks[nc] = _blockCandidates[nc].LastOrDefault(v => MergedTapsRowDivides(Classes.Extent(nc), v), blocks[nc]);
            else if (!DotShape.IsMergedTaps(c) && !roles.Transposed && roles.Y is Load && Classes.Extent(nc) % blocks[nc] != 0
                && c.Reduce!.Axes.Any(a => a != roles.K && Classes.Extent(Classes.ClassOf(a)) > 1))
                blocks[nc] = _blockCandidates[nc].LastOrDefault(v => PaddedRowDivides(Classes.Extent(nc), v), blocks[nc]);
            if (roles.Group is null && IsGemm(c, roles) && Classes.Extent(nc) <= MaxWholePlane)
            {
                GemmContractionBlocks(blocks, parallel, Classes.ClassOf(m), nc, Classes.ClassOf(k));
                continue;
            }
            if (IsGemm(c, roles))
                DividingPlaneBlock(blocks, nc);
            if (blocks[nc] < Classes.Extent(nc) && ParallelCandidates.Contains(nc) && !parallel.Contains(nc))
            {
                parallel.Add(nc);
                parallel.Sort((x, y) => ParallelCandidates.IndexOf(x).CompareTo(ParallelCandidates.IndexOf(y)));
            }
            string mc = Classes.ClassOf(m);
            if (roles.Group is { } group)
            {
                GroupedContractionRows(blocks, parallel, mc, group);
                continue;
            }
            blocks[mc] = BlockAtMost(mc, IsPointwise(c, roles) ? PointwiseMaxM : MultiAxisMaxM);
            while (Programs() < MultiAxisMinPrograms && parallel.Contains(mc) && blocks[mc] > 8)
                blocks[mc] = _blockCandidates[mc].Last(v => v < blocks[mc]);
            if (roles.Transposed) ChannelColumnRowsBlock(blocks, parallel, c, roles);
            if (roles.Transposed) ChannelColumnProgramsN(blocks, parallel, nc);
            if (roles.Transposed) ChannelColumnWeightN(blocks, parallel, c, roles, nc);
        }
        // Shrink until every computation fits (K, then the other large blocks): all-1 blocks always fit.
        foreach (var comp in Kernel.Computations)
            while (BlockElements(comp, x => blocks[x]) > BlockBudget)
            {
                var big = AxesOf(comp).Select(Classes.ClassOf).Distinct().OrderByDescending(x => Classes.Reduce.Contains(x))
                    .ThenByDescending(x => blocks[x]).First(x => blocks[x] > 1);
                blocks[big] = _blockCandidates[big].Last(v => v < blocks[big]);
            }

        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
    }

    /// <summary>Whether <paramref name="v"/> splits a conv's (one with taps: not a 1×1 conv's merged plane) output row of
    /// whole vectors, read from a padded copy
    /// (<see cref="Passes.PrePadConvInput"/>), into blocks of whole vectors, at least two and up to twice
    /// <see cref="MultiAxisMaxN"/> (224 → 2 × 112 with <see cref="WithPaddedRowDivisors"/>, 160 → 5 × 32, 112 → 112): the
    /// default 64 leaves a masked tail block, whose input rows the micro-kernel packs instead of reading them in place,
    /// and the Machine level then runs the taps around the dot, not inside each micro-tile (its tap nests,
    /// KernelLowerer.TapNest).</summary>
    private static bool PaddedRowDivides(long extent, long v) =>
        v <= 2 * MultiAxisMaxN && v >= 2 * DotShape.WideLanes && v % DotShape.WideLanes == 0 && extent % v == 0;

    /// <summary>Vectors of the widest target (<see cref="DotShape.WideLanes"/>) across the micro-kernel's tile (avx512:
    /// 6 rows × 4 v16f32).</summary>
    private const long TileVectors = 4;

    /// <summary>Whether a column block of <paramref name="v"/> (whole vectors) lies in micro-tiles at least 3 vectors wide:
    /// its vectors are whole tiles plus a tail tile of 3 (7 = 4 + 3; not 5 = 4 + 1 or 6 = 4 + 2).</summary>
    private static bool FillsWideTiles(long v) =>
        v % DotShape.WideLanes == 0 && (v / DotShape.WideLanes % TileVectors is 0 or >= 3);

    /// <summary>Block candidates of a pre-padded conv's column class (<see cref="PaddedRowDivides"/>): the whole-vector
    /// divisors of its row that are no power of two and lie in wide micro-tiles (<see cref="FillsWideTiles"/>), so
    /// the default can take them. vgg19's 3×3 64→64 on 224-wide rows took 7 blocks of 32 (6 × 2 v16f32 tiles: 12 FMAs
    /// per 2 vector loads and 6 broadcasts, the 4-row tail 4 × 2); 2 blocks of 112 (6 × 4 + 6 × 3 tiles, its input rows
    /// read from L2 rather than L1) measured 37.0–39.7 → 34.5–35.2 ms in one sitting (1 thread, thread CPU, alternated;
    /// the whole row, 224, 34.1–36.8), 35.9–37.5 → 34.6–36.5 ms (medians 36.4 → 34.9) against main in two more on a
    /// loaded host; its perf samples 809 → 724.</summary>
    private ImmutableArray<long> WithPaddedRowDivisors(string cls, ImmutableArray<long> candidates)
    {
        bool row = Kernel.Computations.Any(c => c.Reduce is not null && !DotShape.IsMergedTaps(c)
            && DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is { Transposed: false, Y: Load } roles
            && Classes.IsUsed(roles.N) && Classes.ClassOf(roles.N) == cls
            && c.Reduce.Axes.Any(a => a != roles.K && Classes.Extent(Classes.ClassOf(a)) > 1));
        if (!row) return candidates;
        long extent = Classes.Extent(cls);
        var extra = Enumerable.Range(1, (int)(2 * MultiAxisMaxN / DotShape.WideLanes)).Select(v => v * DotShape.WideLanes)
            .Where(v => v < extent && PaddedRowDivides(extent, v) && FillsWideTiles(v) && !candidates.Contains(v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>A multi-axis contraction that is a plain GEMM W[M, K]·X[K, N] per batch: every reduction axis but K has
    /// extent 1 (a 1×1 convolution, its output plane merged into N by <see cref="Passes.MergeContiguousAxes"/>), N is the
    /// output's innermost axis (not channels as columns) and M is not a group's rows. A conv's reduction keeps its
    /// (ci, kh, kw) axes here; one whose taps were merged into a single K (an im2col contraction) is not this case.</summary>
    private bool IsGemm(Computation c, DotRoles roles) =>
        !roles.Transposed && c.Indices[^1] == roles.N && c.Reduce!.Axes.Length > 1
        && c.Reduce.Axes.All(x => x == roles.K || Classes.Extent(Classes.ClassOf(x)) == 1);

    /// <summary>The largest output plane (N) of a GEMM-shaped convolution that its default keeps whole: 1¼ of the
    /// matmul's column block (<see cref="ContractionN"/>), so 7×7 … 17×17 planes.</summary>
    private const long MaxWholePlane = ContractionN + ContractionN / 4;

    /// <summary>The blocks of a GEMM-shaped convolution on a small plane, by the matmul's rule: the whole plane as N (no
    /// program gets a masked sliver of it: squeezenet's 13×13 conv10 as 64 + 64 + 41 columns per program took 1.43 ms,
    /// whole 1.20; resnet50's 14×14 1×1 convs 0.93 → 0.65 ms, the 7×7 ones 0.84 → 0.75), K and M blocks of
    /// <see cref="ContractionK"/> and <see cref="ContractionM"/>; the row block shrinks (not below
    /// <see cref="ContractionMinM"/>) until the grid has <see cref="MultiAxisMinPrograms"/> programs. Larger planes keep
    /// the 64-wide column blocks of <see cref="MultiAxisContractionBlocks"/>: 256 × 256 blocks of the 56×56 1×1 convs of
    /// resnet50 measured 30% slower (their [K, N] block no longer stays in L1 when K is small).
    /// Tried on inception_v2's 576→{64…224} 1×1 convs on 14×14 (h/pw2; 1 thread, thread CPU, 2–3 alternations with the
    /// default, against the drift of the run's other kernels), none better than this default: K blocks of 96 or 144 instead
    /// of 192 within noise (−2%, as the unchanged kernels), one K block of 576 1.5× slower; 16 rows per program (one run) within
    /// noise, 64 rows 1.2–1.4× slower; the plane as column blocks of 64 or 128 (a masked tail block) 1.5–1.6× slower;
    /// the input packed in panels (pack.X = panels) 4–15% slower, each program packing the whole [K, N] plane.</summary>
    private void GemmContractionBlocks(Dictionary<string, long> blocks, List<string> parallel, string mc, string nc, string kc)
    {
        blocks[kc] = GemmK(kc);
        blocks[nc] = Classes.Extent(nc);
        parallel.Remove(nc);
        // Powers of two first (the row divisors are not steps of the shrink), then a divisor of M at least half the block.
        var steps = BlockCandidatesFor(Classes.Extent(mc));
        blocks[mc] = steps.Last(v => v <= ContractionM || v == steps[0]);
        while (Programs() < MultiAxisMinPrograms && parallel.Contains(mc) && blocks[mc] > ContractionMinM)
            blocks[mc] = steps.Last(v => v < blocks[mc]);
        long extent = Classes.Extent(mc), block = blocks[mc];
        if (extent % block != 0)
            blocks[mc] = _blockCandidates[mc].LastOrDefault(v => v <= block && v >= ContractionMinM && extent % v == 0 && 2 * v >= block, block);
        // Where the shrink overshot (a power of two leaving more programs than needed), the widest row divisor that still
        // leaves enough: every program reads the whole [K, N] plane of B again (in place), so fewer, wider programs read it
        // less often (96 rows as 4 · 24, not 6 · 16; 160 as 4 · 40, not 5 · 32). Measured on inception_v2's 12 such 1×1 convs
        // (1 thread, thread CPU, two sittings): 2.13 / 2.16 → 2.02 / 2.00 ms.
        if (Programs() > MultiAxisMinPrograms && parallel.Contains(mc))
        {
            long start = blocks[mc], best = start;
            foreach (var v in _blockCandidates[mc].Where(v => v > start && v <= ContractionM && extent % v == 0))
            {
                blocks[mc] = v;
                if (Programs() >= MultiAxisMinPrograms) best = v;
            }
            blocks[mc] = best;
        }

        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
    }

    /// <summary>The K block of a small-plane GEMM-shaped convolution (<see cref="GemmContractionBlocks"/>): up to
    /// <see cref="ContractionK"/>, and where that leaves a tail, the largest divisor of K from half of it up (its
    /// candidates: <see cref="WithTapDivisors"/>). The micro-kernel runs every K block in full, so a masked tail block
    /// computes zeros: inception v2's 14×14 1×1 convs over 576 channels ran 3 · 256 k steps (a third of them zeros)
    /// where 3 · 192 do.</summary>
    private long GemmK(string kc)
    {
        long extent = Classes.Extent(kc), block = BlockAtMost(kc, ContractionK);
        if (extent % block == 0) return block;
        return _blockCandidates[kc].LastOrDefault(v => v <= ContractionK && 2 * v >= ContractionK && extent % v == 0, block);
    }

    /// <summary>Divisors of a small-plane GEMM-shaped convolution's row extent (<see cref="GemmContractionBlocks"/>)
    /// between <see cref="ContractionMinM"/> and <see cref="ContractionM"/> as block candidates of its row class: a row
    /// block that divides M leaves no masked tail block, and an unmasked C block takes its epilogue (bias, ReLU) in
    /// registers instead of a round trip through scratch (squeezenet's conv10, 1000 rows: 4 × 250, not 4 × 256).</summary>
    private ImmutableArray<long> WithGemmRowDivisors(string cls, ImmutableArray<long> candidates)
    {
        long extent = Classes.Extent(cls);
        bool gemmRows = Kernel.Computations.Any(c => c.Reduce is not null
            && DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is { M: { } m, Group: null } roles
            && Classes.IsUsed(m) && Classes.ClassOf(m) == cls && IsGemm(c, roles) && Classes.Extent(Classes.ClassOf(roles.N)) <= MaxWholePlane);
        if (!gemmRows) return candidates;
        return WithDivisorsBetween(candidates, extent, ContractionMinM, ContractionM);
    }

    /// <summary>The row block of a grouped convolution (M = co, which the input reads as <c>floordiv(co, group)</c>): a
    /// block divides the group width, so each block lies in one group and stays a dot (<see cref="GroupWidth"/>); the
    /// whole group up to twice <see cref="MultiAxisMaxM"/> (80 rows rather than 16 of an 80-wide group), else the largest
    /// divisor up to <see cref="MultiAxisMaxM"/>; smaller while the grid has too few programs.</summary>
    private void GroupedContractionRows(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, string mc, long group)
    {
        var fits = _blockCandidates[mc].Where(v => group % v == 0).ToArray();
        blocks[mc] = fits.Last(v => v <= MultiAxisMaxM || (v == group && v <= 2 * MultiAxisMaxM) || v == 1);
        while (Programs() < MultiAxisMinPrograms && parallel.Contains(mc) && blocks[mc] > 8)
            blocks[mc] = fits.Last(v => v < blocks[mc]);

        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
    }

    /// <summary>The column block (N, the merged oh·ow) of a GEMM-shaped convolution, grouped or on a plane larger than
    /// <see cref="MaxWholePlane"/>, where its default 64 leaves a masked tail block: whole vectors that divide the plane
    /// (<see cref="WithPlaneDivisors"/>; shufflenet's 28×28 groups as 7 · 112 columns, not 12 · 64 + 16: 1 thread
    /// CPU 0.060 → 0.046 ms per conv). A small plane kept whole (as <see cref="GemmContractionBlocks"/> does) measured
    /// slower: its 14×14 groups 0.061 → 0.11 ms with 68 rows. Ungrouped (h/pack1): a masked block's B is packed by every
    /// program (ValuePlan materialises a masked load) and its C goes through scratch for the epilogue; unmasked, B is
    /// read in place and the epilogue stays in registers.</summary>
    private void DividingPlaneBlock(Dictionary<string, long> blocks, string nc)
    {
        long extent = Classes.Extent(nc);
        if (extent % blocks[nc] == 0) return;
        blocks[nc] = _blockCandidates[nc].LastOrDefault(v => PlaneDivides(extent, v), blocks[nc]);
    }

    /// <summary>A column block of whole vectors between half and twice <see cref="MultiAxisMaxN"/> that divides the plane.</summary>
    private static bool PlaneDivides(long extent, long v) =>
        v % DotShape.WideLanes == 0 && extent % v == 0 && v >= MultiAxisMaxN / 2 && v <= 2 * MultiAxisMaxN;

    /// <summary>Block candidates of a GEMM-shaped convolution's plane class, grouped or larger than
    /// <see cref="MaxWholePlane"/>: its whole-vector divisors (<see cref="DividingPlaneBlock"/>).</summary>
    private ImmutableArray<long> WithPlaneDivisors(string cls, ImmutableArray<long> candidates)
    {
        long extent = Classes.Extent(cls);
        bool plane = Kernel.Computations.Any(c => c.Reduce is not null
            && DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is { } roles
            && (roles.Group is not null || extent > MaxWholePlane)
            && Classes.IsUsed(roles.N) && Classes.ClassOf(roles.N) == cls && IsGemm(c, roles));
        if (!plane) return candidates;
        var extra = Enumerable.Range(1, (int)(2 * MultiAxisMaxN / DotShape.WideLanes)).Select(v => v * DotShape.WideLanes)
            .Where(v => v < extent && PlaneDivides(extent, v) && !candidates.Contains(v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>A column block of an im2col contraction's row wider than <see cref="MergedTapsMaxN"/> (h/stem4): whole
    /// vectors that divide the row, between <see cref="MultiAxisMaxN"/> and <see cref="MergedTapsMaxN"/>, so no program
    /// runs a masked tail block and every C block takes its epilogue in registers (vgg19's conv1_1, 224-wide rows, as
    /// 2 · 112 columns instead of 3 · 64 + 32: see the commit).</summary>
    private static bool MergedTapsRowDivides(long extent, long v) =>
        v % DotShape.WideLanes == 0 && extent % v == 0 && v >= MultiAxisMaxN && v <= MergedTapsMaxN;

    /// <summary>Block candidates of an im2col contraction's column class: its whole-vector divisors
    /// (<see cref="MergedTapsRowDivides"/>).</summary>
    private ImmutableArray<long> WithMergedTapsRowDivisors(string cls, ImmutableArray<long> candidates)
    {
        long extent = Classes.Extent(cls);
        bool row = Kernel.Computations.Any(c => DotShape.IsMergedTaps(c)
            && DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x))) is { Transposed: false } roles
            && Classes.IsUsed(roles.N) && Classes.ClassOf(roles.N) == cls);
        if (!row) return candidates;
        var extra = Enumerable.Range(1, (int)(MergedTapsMaxN / DotShape.WideLanes)).Select(v => v * DotShape.WideLanes)
            .Where(v => v < extent && MergedTapsRowDivides(extent, v) && !candidates.Contains(v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>The K block of an im2col contraction (<see cref="Passes.MergeContractionTaps"/>, K = ci·kh·kw) or of a
    /// grouped convolution (K = ci per group): a block that divides K, up to twice <see cref="MultiAxisMaxK"/> (a 3×3
    /// conv's 576 = 3 · 192), so no block is a masked tail the micro-kernel would run in full (144 in blocks of 128
    /// computed 256 rows); else the usual block.</summary>
    private long DividingK(string cls)
    {
        long extent = Classes.Extent(cls);
        var fits = _blockCandidates[cls].Where(v => extent % v == 0 && v <= 2 * MultiAxisMaxK).ToArray();
        return fits.Length > 0 && fits[^1] >= MultiAxisMaxK / 2 ? fits[^1] : BlockAtMost(cls, MultiAxisMaxK);
    }

    /// <summary>Divisors of an im2col or grouped contraction's K (<see cref="DividingK"/>) as block candidates of its class.</summary>
    private ImmutableArray<long> WithTapDivisors(string cls, ImmutableArray<long> candidates)
    {
        bool merged = Kernel.Computations.Any(c => DotShape.IsMergedTaps(c) && Classes.IsUsed(c.Reduce!.Axes[0]) && Classes.ClassOf(c.Reduce.Axes[0]) == cls)
            || Kernel.Computations.Any(c => DotShape.Roles(c, x => Kernel.Axis(x).Extent) is { Group: not null, K: var k } && DotShape.IsMultiTap(c)
                && Classes.IsUsed(k) && Classes.ClassOf(k) == cls)
            || (Classes.Extent(cls) > MultiAxisMaxK && Classes.Extent(cls) % MultiAxisMaxK != 0
                && Kernel.Computations.Any(c => DotShape.DefaultRoles(c, x => Kernel.Axis(x).Extent) is { M: not null, Group: null, Transposed: false, K: var k }
                    && Classes.IsUsed(k) && Classes.ClassOf(k) == cls));
        if (!merged) return candidates;
        return WithDivisorsBetween(candidates, Classes.Extent(cls), MultiAxisMaxK / 2, 2 * MultiAxisMaxK);
    }

    /// <summary>Block candidates of <paramref name="cls"/> with the group widths (<see cref="GroupWidth"/>) of the
    /// contractions whose row axis it is: a block of exactly one group keeps a grouped convolution a dot with all its rows.</summary>
    private ImmutableArray<long> WithGroupWidths(string cls, ImmutableArray<long> candidates)
    {
        var extra = Kernel.Computations
            .Select(c => DotShape.Roles(c, x => Kernel.Axis(x).Extent))
            .Where(r => r is { M: not null, Group: { } } && Classes.IsUsed(r.M!) && Classes.ClassOf(r.M!) == cls)
            .Select(r => r!.Group!.Value).Where(g => g > 1 && g < Classes.Extent(cls) && !candidates.Contains(g));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary><see cref="BlockAtMost"/>, or a smaller candidate that divides the extent when one is at least half of
    /// it: a block that does not divide its extent gives the last block a tail mask on every access, and a masked
    /// accumulator store is not forwarded to its epilogue (28 rows in blocks of 8: the depthwise sum went through
    /// scratch; blocks of 4 keep it in registers).</summary>
    private long DividingBlockAtMost(string cls, long limit)
    {
        long best = BlockAtMost(cls, limit), extent = Classes.Extent(cls);
        if (extent % best == 0) return best;
        return _blockCandidates[cls].LastOrDefault(v => v <= best && extent % v == 0 && 2 * v >= best, best);
    }

    /// <summary>The largest block candidate of <paramref name="cls"/> at most <paramref name="limit"/> (the whole extent when it fits).</summary>
    private long BlockAtMost(string cls, long limit) => _blockCandidates[cls].Last(v => v <= limit || v == _blockCandidates[cls][0]);
}
