using System.Collections.Immutable;

namespace Strata.Tile;

// Sliding-window kernels (pools): output blocks that divide their extents.
public sealed partial class KnobSpace
{
    /// <summary>Largest divisor of an output extent that <see cref="WithWindowDivisors"/> adds as a block candidate.</summary>
    private const long MaxWindowDivisor = 64;

    /// <summary>Whether the kernel is a pool: some reduction is a window (see <see cref="WindowReduceClasses"/>) and
    /// every reduction reads one kernel input alone. Convolutions (input and weight; depthwise ones too) choose their
    /// blocks elsewhere, and a window over a temp (an LRN after its pool) is not tap by tap.</summary>
    private bool IsWindowKernel()
    {
        if (!WindowReduceClasses().Any() && !SubsamplesAnInput()) return false;
        var temps = Kernel.Temps.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return Kernel.Computations.Where(c => c.Reduce is not null).All(c =>
            ExprAnalysis.LoadsOf(c.Body).Select(l => l.Buffer).Distinct().ToArray() is [var only] && !temps.Contains(only));
    }

    /// <summary>Some load index steps an output axis by a constant of at least 2 (<c>x[2·oh]</c>): a stride-2 1×1 conv's
    /// input subsampled by its own kernel (a 1×1 max pool of stride 2), whose window has one tap and so no window class.
    /// Its rows want dividing blocks as much as a pool's: resnet50's 256 × 56² → 28² subsample in 16-row blocks (28 =
    /// 16 + 12, every load a ranged strided load) took 0.185 ms.</summary>
    private bool SubsamplesAnInput() => Kernel.Computations.Any(c => ExprAnalysis.LoadsOf(c.Body).Any(l => l.Indices.Any(ix =>
        ix is Binary { Op: BinaryOp.Mul, A: var x, B: var y }
        && (x, y) switch { (IndexVar a, Constant k) => (a, k), (Constant k, IndexVar a) => (a, k), _ => default } is ({ } axis, { } step)
        && c.Indices.Contains(axis.Name) && step.Value.I >= 2)));

    /// <summary>Block candidates of an output class of a window kernel with the divisors of its extent up to
    /// <see cref="MaxWindowDivisor"/>: 28 rows split as 14 + 14, not 16 + 12 (see <see cref="WindowDividingBlocks"/>).</summary>
    private ImmutableArray<long> WithWindowDivisors(string cls, ImmutableArray<long> candidates)
    {
        if (!Classes.Output.Contains(cls) || !IsWindowKernel()) return candidates;
        long extent = Classes.Extent(cls);
        var extra = Enumerable.Range(2, (int)Math.Max(0, Math.Min(MaxWindowDivisor, extent) - 1)).Select(v => (long)v)
            .Where(v => v < extent && extent % v == 0 && !candidates.Contains(v)).ToArray();
        foreach (var v in extra) _windowDivisors.Add((cls, v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>The candidates that <see cref="WithWindowDivisors"/> added: <see cref="SplitForPrograms"/> steps over them,
    /// so it splits as before and only <see cref="WindowDividingBlocks"/> picks them.</summary>
    private readonly HashSet<(string Class, long Block)> _windowDivisors = [];

    private bool IsWindowDivisor(string cls, long block) => _windowDivisors.Contains((cls, block));

    /// <summary>Smallest dividing block <see cref="WindowDividingBlocks"/> falls back to below half the block: a prime extent
    /// (13 rows) keeps its masked tail rather than one row per program.</summary>
    private const long MinWindowRows = 2;

    /// <summary>In a window kernel, each parallel output block (not the innermost, the vector row) that does not divide
    /// its extent becomes the largest candidate that does, when one is at least half of it, else the smallest one up to
    /// twice it while the computations stay within the budget and the grid keeps
    /// min(its programs, <see cref="DefaultProgramTarget"/>) programs (27 rows in blocks of 8 become 3 × 9), else the largest
    /// divisor below it, down to <see cref="MinWindowRows"/> (squeezenet's 3×3/2 pool of 128 channels to 27×27: 9-row blocks
    /// left 48 programs, under 64, so the 8-row blocks kept their tail; 9 × 3 rows, 1 thread, thread CPU 0.19–0.21 →
    /// 0.08 ms: every tap of a masked block is a ranged strided load, the slow form of the stride-2 read). A block with
    /// a tail masks every load and store of the program's rows by a row mask (an all-or-nothing count on each vector,
    /// masked strided loads), runs the masked-off rows of the last block anyway, and keeps the window's sum in a
    /// whole-tensor scratch buffer (a masked store is not forwarded to the average's division). A copy kernel
    /// (<see cref="IsCopyKernel"/>) takes the same blocks.</summary>
    private void WindowDividingBlocks(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, string? innermost)
    {
        if (!IsWindowKernel() && !IsCopyKernel()) return;
        long Programs() => parallel.Aggregate(1L, (p, x) => p * ((Classes.Extent(x) + blocks[x] - 1) / Math.Max(1, blocks[x])));
        foreach (var c in parallel)
        {
            long extent = Classes.Extent(c), b = blocks[c];
            if (c == innermost || extent % b == 0) continue;
            if (DividingHalfBlock(c, b) is var smaller and > 0)
            {
                blocks[c] = smaller;
                continue;
            }
            long before = Programs();
            foreach (var v in _blockCandidates[c].Where(v => v > b && v <= 2 * b && extent % v == 0))
            {
                blocks[c] = v;
                if (Programs() >= Math.Min(before, DefaultProgramTarget) && BudgetProblem(x => blocks[x]) is null) break;
                blocks[c] = b;
            }
            // Neither: a smaller divisor of at least MinWindowRows (more, smaller programs; the budget holds as it only
            // shrinks) rather than the masked tail.
            if (blocks[c] == b && _blockCandidates[c].LastOrDefault(v => v < b && v >= MinWindowRows && extent % v == 0) is var least and > 0)
                blocks[c] = least;
        }
        if (IsWindowKernel()) ProgramWindowBlocks(blocks, parallel, innermost);
    }

    /// <summary>The largest block candidate of <paramref name="cls"/> that divides its extent and lies in
    /// [<paramref name="block"/> / 2, <paramref name="block"/>]; 0 where none does.</summary>
    private long DividingHalfBlock(string cls, long block) =>
        _blockCandidates[cls].LastOrDefault(v => v <= block && Classes.Extent(cls) % v == 0 && 2 * v >= block);

    /// <summary>In a window kernel, the output blocks each program loops over (not parallel, not the kernel's innermost
    /// class, which the last computation's vectors run along) that leave a tail: a window computation's row (the last
    /// axis of its domain, the one its vectors run along) is taken whole where that is at most four blocks and within
    /// the budget, any other such block becomes the largest divisor of at least half of it. A pool whose result a fused
    /// Pad copies out (vgg19's 2×2/2 max pools before a 3×3 conv: the pool's domain is 112 × 112, the kernel's innermost
    /// class the padded 114) kept the default 32 × 32 blocks: 112 = 3 · 32 + 16, so every load of the last block of
    /// each row and column was a ranged strided load. Measured on the Intel Xeon host (two sessions in one process,
    /// alternated, each creation order once, the gain the geometric mean of the two paired-median ratios): 2×2/2 max pool
    /// and pad of 64 × 224² 1.68 at 1 thread, 1.40 at 2; of 128 × 112² 1.41 and 1.28.</summary>
    private void ProgramWindowBlocks(Dictionary<string, long> blocks, IReadOnlyList<string> parallel, string? innermost)
    {
        var rows = WindowRowClasses();
        foreach (var c in Classes.Output.Where(x => !parallel.Contains(x) && x != innermost))
        {
            if (Classes.Extent(c) % blocks[c] == 0 || rows.Contains(c) && TakeWholeRow(blocks, c)) continue;
            if (DividingHalfBlock(c, blocks[c]) is var smaller and > 0) blocks[c] = smaller;
        }
    }

    /// <summary>The classes of the last domain axis of every computation that reduces over a window
    /// (<see cref="WindowReduceClasses"/>): the rows its vectors run along.</summary>
    private HashSet<string> WindowRowClasses()
    {
        var window = WindowReduceClasses().ToHashSet(StringComparer.Ordinal);
        return Kernel.Computations
            .Where(c => c.Indices.Length > 0 && c.Reduce is { } r && r.Axes.Any(a => window.Contains(Classes.ClassOf(a))))
            .Select(c => Classes.ClassOf(c.Indices[^1])).ToHashSet(StringComparer.Ordinal);
    }
}
