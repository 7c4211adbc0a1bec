using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

// Single-reduction-axis contractions (matmul, gemm, batched matmul, their fused epilogues): the block sizes of a
// cache-blocked GEMM, and the budget rule for a computation that lowers to a Block `dot`.
public sealed partial class KnobSpace
{
    /// <summary>Default K block: a micro-tile's strip of A (6 rows · 256 · 4 bytes = 6 KiB) stays in L1 while it meets
    /// every column of B, and a C tile is loaded and stored once per 256 k steps.</summary>
    private const long ContractionK = 256;

    /// <summary>Default N block: the [KC, NC] block of B that a program reads in place (256 KiB) stays in L2 while the
    /// row strips stream over it.</summary>
    private const long ContractionN = 256;

    /// <summary>Default M block: each program reads its [KC, NC] block of B from L3 or memory once per k step and then
    /// from L2 for every 6-row strip, so the M block is B's reuse; 256 rows (with C's [256, 256] block, 512 KiB of L2
    /// together) measured 7% faster than 64 at 1024³, 16% at 2048³ and 22% at 128×3072·3072×768 (whole M) on avx512.</summary>
    private const long ContractionM = 256;

    /// <summary>Programs the contraction default aims for: 6 per core on 2 cores, enough to balance; fewer, larger
    /// blocks reuse B more (see <see cref="ContractionM"/>) than the generic <see cref="DefaultProgramTarget"/> would.
    /// Twice as many (24: MatMul 256³ as 32 programs of 32×64, not 16 of 64×64) changed nothing at 2 threads in the
    /// bench (0.1709 against 0.1710 ms, 2 alternations; 512³ and the BERT shapes within noise): what 256³ loses at 2
    /// threads is the parked worker's wake-up (WorkerPool.SmallLoopMicroseconds), not the last program's imbalance.</summary>
    private const long ContractionProgramTarget = 12;

    /// <summary>The columns of a panel of a constant B laid out at compile time (<see cref="Passes.PanelContractionWeights"/>):
    /// the widest micro-tile row, avx512's 4 · 16 f32 lanes; the narrower tiles of the other targets (avx2 2 · 8,
    /// 128-bit 2 · 4) divide it, so their tiles read within one panel too.</summary>
    public const long PanelWidth = 64;

    /// <summary>The smallest N block the program split makes: one avx512 micro-tile row, a panel
    /// (<see cref="PanelWidth"/>), so block starts stay panel-aligned.</summary>
    private const long ContractionMinN = PanelWidth;

    /// <summary>The smallest M block the program split makes: a few micro-kernel rows (6) of reuse of each B vector.</summary>
    private const long ContractionMinM = 16;

    /// <summary>The unroll of a GEMM's k loop: its micro-kernel's unrolled steps share their address arithmetic
    /// (KernelLowerer.Micro), where a rolled step recomputed both operands' addresses and the loop test, and RyuJIT
    /// spilled a register around them. Measured on a host with full-width 512-bit FMAs (Intel Xeon, 2 cores, 1 thread;
    /// two sessions in one process, alternated, in both creation orders, the gain the geometric mean of the two
    /// paired-median ratios): MatMul 128×3072·3072×768 1.056, the MLP block 1.054. (A first measurement in one creation
    /// order only, biased towards the session created second, read 1.03–1.12 on MatMul shapes.)</summary>
    private const int ContractionUnroll = 4;

    /// <summary>A block that does not divide its axis leaves a tail block the lowering runs in full over masked (zero)
    /// rows, k steps or columns: M = 384 in blocks of 256 computed 512 rows, 1.37× the time of blocks of 128 (1 thread,
    /// both orders); M = 49 in blocks of 16 computed 64 rows, and the mask sent every program's A block through a copy
    /// (49×512·512×256: 1.34× the time of one block of 49). The contraction default takes a block whose blocks cover the
    /// axis with at most this share of padding.</summary>
    private const double ContractionMaxPadding = 1.0 / 8;

    /// <summary>Whether blocks of <paramref name="block"/> cover <paramref name="cls"/>'s extent with at most
    /// <see cref="ContractionMaxPadding"/> of it as a masked tail.</summary>
    private bool PaddingFits(string cls, long block)
    {
        long extent = Classes.Extent(cls), covered = (extent + block - 1) / block * block;
        return covered - extent <= extent * ContractionMaxPadding;
    }

    /// <summary>The largest block candidate of <paramref name="cls"/> at most <paramref name="target"/> (the whole
    /// extent where it fits) whose padding fits (<see cref="PaddingFits"/>): 128 for 384 rows, not 256; 64 for 300.</summary>
    private long LeastPaddedBlock(string cls, long target)
    {
        var candidates = _blockCandidates[cls];
        if (Classes.Extent(cls) <= target) return candidates[^1];
        return candidates.Last(v => v <= target && PaddingFits(cls, v) || v == 1);
    }

    /// <summary>The K block: a K tail block costs far more than its padding: 128×300·300×768 in K blocks of 64 (a tail
    /// of 44) took 3.5× the time of one block of 300 (1 thread, both orders), and blocks of 256 took 1.56× the time of
    /// blocks of 64 (so about 5.5× that of 300: the product of the two, not a run of its own). So
    /// <see cref="ContractionK"/> where it divides K; else the whole K up to twice that; else the largest divisor of K
    /// from half to twice it (<see cref="WithContractionKDivisors"/>: 576 in blocks of 288); else the least padded
    /// block (<see cref="LeastPaddedBlock"/>).</summary>
    private long ContractionKBlock(string k)
    {
        long extent = Classes.Extent(k), block = LeastPaddedBlock(k, ContractionK);
        if (extent % block == 0) return block;
        if (extent <= 2 * ContractionK) return extent;
        return _blockCandidates[k].LastOrDefault(v => v <= 2 * ContractionK && 2 * v >= ContractionK && extent % v == 0, block);
    }

    /// <summary>Divisors of a contraction's K from half to twice <see cref="ContractionK"/> as block candidates of its
    /// class, for <see cref="ContractionKBlock"/>.</summary>
    private ImmutableArray<long> WithContractionKDivisors(string cls, ImmutableArray<long> candidates)
    {
        if (ContractionAxes() is not { K: var k } || k != cls) return candidates;
        return WithDivisorsBetween(candidates, Classes.Extent(cls), ContractionK / 2, 2 * ContractionK);
    }

    /// <summary>The classes of a kernel whose only reduction is one float sum-of-products of two loads over one axis,
    /// and whose classes are all that contraction's: K, the rows M (the first operand's own axis, the output's earlier
    /// one), the columns N and every output class. Null when the kernel is not of that form.</summary>
    private (string K, string? M, string? N, HashSet<string> Outputs)? ContractionAxes()
    {
        if (Kernel.Computations.Count(c => c.Reduce is not null) != 1) return null;
        var dot = Kernel.Computations.Single(c => c.Reduce is not null);
        if (dot.Reduce is not { Op: ReduceOp.Sum, Axes.Length: 1 } r
            || dot.Body is not Binary { Op: BinaryOp.Mul, A: Load a, B: Load b } || !ScalarSemantics.IsFloat(dot.Body.Type)) return null;
        var da = ExprAnalysis.AxesOf(a);
        var db = ExprAnalysis.AxesOf(b);
        if (!da.Concat(db).All(x => x == r.Axes[0] || dot.Indices.Contains(x))) return null;
        var rows = dot.Indices.Where(x => da.Contains(x) && !db.Contains(x)).Select(Classes.ClassOf).Distinct().ToList();
        var cols = dot.Indices.Where(x => db.Contains(x) && !da.Contains(x)).Select(Classes.ClassOf).Distinct().ToList();
        if (rows.Count > 1 || cols.Count > 1) return null;
        var k = Classes.ClassOf(r.Axes[0]);
        var outputs = dot.Indices.Select(Classes.ClassOf).ToHashSet(StringComparer.Ordinal);
        // Every class of the kernel is the contraction's (an epilogue over the same [.., M, N] output). A class of
        // extent 1 does not count: an epilogue over [1, M, N] that reads the contraction's [1, M, N] at index 0 has
        // its own unit axis, which any block leaves whole.
        if (!Classes.All.All(c => c == k || outputs.Contains(c) || Classes.Extent(c) == 1)) return null;
        // X supplies the output's earlier axis: name the rows and columns as the Block dot sees them.
        string? m = rows.FirstOrDefault(), n = cols.FirstOrDefault();
        if (m is not null && n is not null && dot.Indices.Select(Classes.ClassOf).ToList() is var order && order.IndexOf(m) > order.IndexOf(n))
            (m, n) = (n, m);
        return (k, m, n, outputs);
    }

    /// <summary>The default for a kernel whose only reduction is one sum-of-products over one axis (a matmul, with
    /// its elementwise epilogue fused or not) and whose classes are all axes of that contraction: rows, columns and
    /// the reduction get the blocks of a cache-blocked GEMM (<see cref="ContractionM"/> × <see cref="ContractionN"/>
    /// × <see cref="ContractionK"/>: rows and columns the largest whose padding fits, <see cref="LeastPaddedBlock"/>,
    /// K one without a tail where it can, <see cref="ContractionKBlock"/>), batch axes
    /// block 1, and rows, columns and batch run in parallel; the column block steps down (not below
    /// <see cref="ContractionMinN"/>), then the row block (not below <see cref="ContractionMinM"/>), to smaller blocks
    /// whose padding fits, until the grid has <see cref="ContractionProgramTarget"/> programs. Null when the kernel is
    /// not of that form.</summary>
    private Config? ContractionDefault()
    {
        if (ContractionAxes() is not var (k, m, n, outputs)) return null;

        var blocks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in Classes.All) blocks[c] = 1;
        blocks[k] = ContractionKBlock(k);
        if (m is not null) blocks[m] = LeastPaddedBlock(m, ContractionM);
        if (n is not null) blocks[n] = LeastPaddedBlock(n, ContractionN);
        // A smaller budget than the default: shrink the largest of the three until every computation fits.
        while (BudgetProblem(c => blocks[c]) is not null)
        {
            var big = blocks.Where(e => e.Value > 1).OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key).FirstOrDefault();
            if (big is null) return null;
            blocks[big] = _blockCandidates[big].Last(v => v < blocks[big]);
        }

        var parallel = ParallelCandidates.Where(outputs.Contains).ToList();
        long Programs() => parallel.Aggregate(1L, (p, c) => p * ((Classes.Extent(c) + blocks[c] - 1) / blocks[c]));
        while (Programs() < ContractionProgramTarget)
        {
            // Columns first: the row block is B's reuse from L2 (ContractionM), the column block only A's strip's.
            long? Smaller(string? c, long min) => c is not null && parallel.Contains(c)
                ? _blockCandidates[c].Where(v => v < blocks[c] && v >= min && PaddingFits(c, v)).Select(v => (long?)v).LastOrDefault()
                : null;
            if (Smaller(n, ContractionMinN) is { } smallerN) blocks[n!] = smallerN;
            else if (Smaller(m, ContractionMinM) is { } smallerM) blocks[m!] = smallerM;
            else break;
        }

        var cfg = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (c, v) in blocks) cfg[KnobNames.Block(c)] = Str(v);
        cfg[KnobNames.Parallel] = KnobNames.JoinParallel(parallel);
        cfg[KnobNames.Order] = KnobNames.JoinOrder(Classes.Output.Where(c => !parallel.Contains(c)));
        var last = Kernel.Computations[^1];
        cfg[KnobNames.Vector] = last.Indices.Length > 0 ? Classes.ClassOf(last.Indices[^1]) : Classes.All[^1];
        cfg[KnobNames.Unroll] = Str(ContractionUnroll);
        cfg[KnobNames.Split(k)] = "1";
        foreach (var i in ContractionInputs) cfg[KnobNames.Pack(i)] = KnobNames.None;
        return new Config(cfg.ToImmutable());
    }
}
