using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Tile;

/// <summary>The space of implementations of a Tile kernel: its knobs, the constraints that make a
/// <see cref="Config"/> legal, a default heuristic, uniform random sampling and enumeration.
/// <list type="bullet">
/// <item><c>block.&lt;class&gt;</c> per axis class (<see cref="AxisClasses"/>): powers of two up to the extent, and the extent.</item>
/// <item><c>parallel</c>: a subset of the classes that may be spread over program instances (<see cref="ParallelCandidates"/>).</item>
/// <item><c>order</c>: a permutation of the output classes that are not parallel (loop order, outermost first).</item>
/// <item><c>vector</c>, <c>unroll</c>, <c>pack.&lt;input&gt;</c>: recorded for the Machine level.</item>
/// <item><c>split.&lt;k&gt;</c> per reduction axis: split-K of the loop over blocks of <c>k</c> into chunks.</item>
/// </list>
/// A config is legal when every knob is set to one of its values, <c>order</c> fits <c>parallel</c>, and each
/// computation's block (the product of the block sizes of its output and reduction axes; for a computation that lowers
/// to a Block <c>dot</c> (<see cref="DotShape"/>), the largest of its [M, K], [K, N] and [M, N] blocks) holds at most
/// <see cref="BlockBudget"/> elements.</summary>
public sealed partial class KnobSpace
{
    /// <summary>Default limit on the elements of one computation's block.</summary>
    public const long DefaultBlockBudget = 1 << 16;

    public static readonly ImmutableArray<int> UnrollValues = [1, 2, 4];
    public static readonly ImmutableArray<int> SplitValues = [1, 2, 4];

    private readonly ImmutableDictionary<string, ImmutableArray<long>> _blockCandidates;
    private readonly ImmutableDictionary<string, ImmutableArray<int>> _splitCandidates;
    private readonly ImmutableDictionary<string, Knob> _knobsByName;

    private KnobSpace(TileKernel kernel, long blockBudget)
    {
        if (blockBudget < 1 || blockBudget > int.MaxValue)
            throw new StrataException(ErrorCode.InvalidArgument, $"block budget {blockBudget} is out of range", "use a budget between 1 and 2^31-1");
        Kernel = kernel;
        BlockBudget = blockBudget;
        Classes = AxisClasses.Of(kernel);
        ParallelCandidates = [.. Classes.ParallelCandidates.Take(MaxParallelCandidates)];
        foreach (var c in Classes.All)
            if (c.Any(ch => char.IsWhiteSpace(ch) || ch is ',' or '=' or '{' or '}' or KnobNames.ParallelSeparator or KnobNames.OrderSeparator))
                throw new StrataException(ErrorCode.InvalidIr, $"axis name '{c}' cannot be named by a knob", "name axes without spaces and the characters , = { } * -", $"tile kernel @{kernel.Name}");

        _blockCandidates = Classes.All.ToImmutableDictionary(c => c, c => BlockCandidatesWidened(c), StringComparer.Ordinal);
        _splitCandidates = Classes.Reduce.ToImmutableDictionary(c => c, c => SplitValues.Where(s => s == 1 || s <= Classes.Extent(c)).ToImmutableArray(), StringComparer.Ordinal);
        ContractionInputs = FindContractionInputs(kernel);

        var knobs = new List<Knob>();
        foreach (var c in Classes.All)
            knobs.Add(new Knob(KnobNames.Block(c), [.. _blockCandidates[c].Select(Str)],
                $"block size of {string.Join(", ", Classes.Members(c))} (extent {Classes.Extent(c)})"));
        knobs.Add(new Knob(KnobNames.Parallel, [.. ParallelValues()], "axes spread over program instances"));
        knobs.Add(new Knob(KnobNames.Order, [.. OrderValues()], "loop order of the output axes that are not parallel (outermost first)"));
        if (!Classes.All.IsEmpty)
            knobs.Add(new Knob(KnobNames.Vector, Classes.All, "axis to vectorise (Machine level)"));
        knobs.Add(new Knob(KnobNames.Unroll, [.. UnrollValues.Select(v => Str(v))], "unroll factor of the innermost loop (Machine level)"));
        foreach (var c in Classes.Reduce)
            knobs.Add(new Knob(KnobNames.Split(c), [.. _splitCandidates[c].Select(v => Str(v))], $"split-K of the reduction over {c} into chunks"));
        foreach (var i in ContractionInputs)
            knobs.Add(new Knob(KnobNames.Pack(i), [KnobNames.None, KnobNames.Panels], $"re-layout %{i} into panels (Machine level)"));
        Knobs = [.. knobs];
        _knobsByName = Knobs.ToImmutableDictionary(k => k.Name, StringComparer.Ordinal);
    }

    public TileKernel Kernel { get; }
    public AxisClasses Classes { get; }
    public long BlockBudget { get; }

    /// <summary>The knobs, in a fixed order: blocks, parallel, order, vector, unroll, splits, packs.</summary>
    public ImmutableArray<Knob> Knobs { get; }

    /// <summary>Inputs read as operands of a sum-of-products reduction (candidates for packing).</summary>
    public ImmutableArray<string> ContractionInputs { get; }

    /// <summary>The classes the <c>parallel</c> knob may name: <see cref="AxisClasses.ParallelCandidates"/>, at most
    /// <see cref="MaxParallelCandidates"/> of them (the outermost), so the knob has at most 2^12 values.</summary>
    public ImmutableArray<string> ParallelCandidates { get; }

    public const int MaxParallelCandidates = 12;

    /// <summary>The product of the knobs' value counts: an upper bound on the number of legal configs (the block budget
    /// and the dependence of <c>order</c> on <c>parallel</c> make the true count smaller). A tuner enumerates when it is small.</summary>
    public double UpperBoundSize
    {
        get
        {
            double n = 1;
            foreach (var c in Classes.All) n *= _blockCandidates[c].Length;
            double parOrder = 0;
            for (int mask = 0; mask < 1 << ParallelCandidates.Length; mask++)
                parOrder += Factorial(Classes.Output.Length - PopCount(mask));
            n *= parOrder;
            foreach (var k in Knobs)
                if (!k.Name.StartsWith("block.", StringComparison.Ordinal) && k.Name is not (KnobNames.Parallel or KnobNames.Order))
                    n *= k.Values.Length;
            return n;
        }
    }

    public static KnobSpace For(TileKernel kernel, long blockBudget = DefaultBlockBudget) => new(kernel, blockBudget);

    public Knob? Knob(string name) => _knobsByName.GetValueOrDefault(name);

    /// <summary>An axis class's block candidates: the powers of two and the extent (<see cref="BlockCandidatesFor"/>),
    /// then each rule's own blocks for the kernels it knows (group widths, divisors that avoid masked tails), in this
    /// order: a later rule sees what the earlier ones added.</summary>
    private ImmutableArray<long> BlockCandidatesWidened(string cls)
    {
        Func<string, ImmutableArray<long>, ImmutableArray<long>>[] widenings =
        [
            WithGroupWidths, WithPlaneDivisors, WithMergedTapsRowDivisors, WithPaddedRowDivisors, WithTapDivisors, WithGemmRowDivisors,
            WithWindowDivisors, WithChannelColumnRows, WithChannelColumnDivisors, WithGemvDivisors, WithContractionKDivisors,
        ];
        var candidates = BlockCandidatesFor(Classes.Extent(cls));
        foreach (var widen in widenings) candidates = widen(cls, candidates);
        return candidates;
    }

    /// <summary><paramref name="candidates"/> with the divisors of <paramref name="extent"/> in [<paramref name="from"/>,
    /// <paramref name="to"/>] below the extent: blocks that leave no masked tail, for the widenings that want them.</summary>
    private static ImmutableArray<long> WithDivisorsBetween(ImmutableArray<long> candidates, long extent, long from, long to)
    {
        var extra = Enumerable.Range((int)from, (int)Math.Max(0, to - from + 1)).Select(v => (long)v)
            .Where(v => v < extent && extent % v == 0 && !candidates.Contains(v));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }

    /// <summary>Block sizes a class may take: 1, 2, 4, … up to its extent, and the extent itself.</summary>
    public ImmutableArray<long> BlockCandidates(string cls) => _blockCandidates[cls];

    public static ImmutableArray<long> BlockCandidatesFor(long extent)
    {
        var l = new List<long>();
        for (long p = 1; p <= extent; p *= 2) l.Add(p);
        if (extent > 1 && l[^1] != extent) l.Add(extent);
        if (l.Count == 0) l.Add(1);
        return [.. l];
    }

    // ---------------------------------------------------------------- legality

    /// <summary>Whether <paramref name="config"/> is a point of this space; if not, <paramref name="why"/> says what is wrong.</summary>
    public bool IsLegal(Config config, out string why)
    {
        why = Check(config, out _) ?? "";
        return why.Length == 0;
    }

    /// <summary>The typed view of a legal config; throws <see cref="ErrorCode.InvalidArgument"/> naming the problem otherwise.</summary>
    public TileSchedule Resolve(Config config) =>
        Check(config, out var schedule) is { } why
            ? throw new StrataException(ErrorCode.InvalidArgument, $"config {config} is not legal for @{Kernel.Name}: {why}",
                "choose values from the kernel's knob space (see its knobs)", $"tile kernel @{Kernel.Name}")
            : schedule!;

    /// <summary>The default config with the knobs of <paramref name="partial"/> replacing the defaults.</summary>
    public Config Complete(Config partial)
    {
        var c = Default();
        foreach (var (k, v) in partial.Values) c = c.With(k, v);
        return c;
    }

    private string? Check(Config config, out TileSchedule? schedule)
    {
        schedule = null;
        foreach (var k in config.Values.Keys)
            if (!_knobsByName.ContainsKey(k)) return $"@{Kernel.Name} has no knob '{k}'";
        foreach (var k in Knobs)
            if (config[k.Name] is null) return $"knob '{k.Name}' is not set";

        var blocks = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var c in Classes.All)
        {
            var text = config[KnobNames.Block(c)]!;
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var b) || !_blockCandidates[c].Contains(b))
                return $"{KnobNames.Block(c)} = {text} is not one of {{{string.Join(", ", _blockCandidates[c])}}}";
            blocks[c] = (int)Math.Min(b, int.MaxValue);
        }

        var parallel = KnobNames.SplitList(config[KnobNames.Parallel]!, KnobNames.ParallelSeparator);
        foreach (var p in parallel)
            if (!ParallelCandidates.Contains(p))
                return Classes.Output.Contains(p) || Classes.Reduce.Contains(p)
                    ? $"{p} cannot be parallel: {Classes.ParallelProblem(p) ?? $"only the first {MaxParallelCandidates} candidates are offered"}"
                    : $"parallel names {p}, which is not an axis class (classes: {string.Join(", ", Classes.All)})";
        var canonical = ParallelCandidates.Where(parallel.Contains).ToArray();
        if (!canonical.SequenceEqual(parallel))
            return $"parallel = {config[KnobNames.Parallel]} must list each class once in the order {KnobNames.JoinParallel(canonical)}";

        var order = KnobNames.SplitList(config[KnobNames.Order]!, KnobNames.OrderSeparator);
        var loops = Classes.Output.Where(c => !parallel.Contains(c)).ToArray();
        if (order.Length != loops.Length || order.Distinct().Count() != order.Length || !order.All(loops.Contains))
            return $"order = {config[KnobNames.Order]} is not a permutation of the non-parallel output axes {{{string.Join(", ", loops)}}}";

        string? vector = null;
        if (!Classes.All.IsEmpty)
        {
            vector = config[KnobNames.Vector]!;
            if (!Classes.All.Contains(vector)) return $"vector = {vector} is not an axis class (classes: {string.Join(", ", Classes.All)})";
        }

        if (!int.TryParse(config[KnobNames.Unroll], NumberStyles.None, CultureInfo.InvariantCulture, out var unroll) || !UnrollValues.Contains(unroll))
            return $"unroll = {config[KnobNames.Unroll]} is not one of {{{string.Join(", ", UnrollValues)}}}";

        var splits = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var c in Classes.Reduce)
        {
            var text = config[KnobNames.Split(c)]!;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || !_splitCandidates[c].Contains(s))
                return $"{KnobNames.Split(c)} = {text} is not one of {{{string.Join(", ", _splitCandidates[c])}}}";
            splits[c] = s;
        }

        var packs = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var i in ContractionInputs)
        {
            var text = config[KnobNames.Pack(i)]!;
            if (text is not (KnobNames.None or KnobNames.Panels)) return $"{KnobNames.Pack(i)} = {text} is not one of {{none, panels}}";
            packs[i] = text;
        }

        if (BudgetProblem(c => blocks[c]) is { } budget) return budget;

        schedule = new TileSchedule(Classes, config, blocks.ToImmutable(), [.. parallel], [.. order], vector, unroll, splits.ToImmutable(), packs.ToImmutable());
        return null;
    }

    /// <summary>The first computation whose block exceeds the budget, as a message, or null.</summary>
    private string? BudgetProblem(Func<string, long> block)
    {
        foreach (var c in Kernel.Computations)
        {
            long n = BlockElements(c, block);
            if (n > BlockBudget)
                return $"the block of %{c.Output} has {(n == long.MaxValue ? "too many" : Str(n))} elements, more than the budget {BlockBudget}";
        }
        return null;
    }

    /// <summary>The elements a computation's block holds: for one that lowers to <c>dot</c> (<see cref="DotShape"/>) the
    /// largest of its operand and accumulator blocks [M, K], [K, N], [M, N] (at most the product block), otherwise the
    /// product block of all its axes.</summary>
    private long BlockElements(Computation c, Func<string, long> block)
    {
        long Of(string? axis) => axis is null ? 1 : block(Classes.ClassOf(axis));
        if (DotShape.Find(c, a => Of(a), a => Classes.Extent(Classes.ClassOf(a))) is { } d)
        {
            // A matmul or a convolution (several reduction axes, one of them blocked); never more than the product
            // block, so whatever fits as a product still fits (all-1 blocks always do). A row-group axis multiplies
            // the rows: one [M, K] operand and one [M, N] accumulator per row of its block.
            long m = SaturatingMul(Of(d.M), Of(d.Rows)), n = Of(d.N), k = Of(d.K);
            return Math.Min(ProductElements(c, block), Math.Max(Math.Max(SaturatingMul(m, k), SaturatingMul(k, n)), SaturatingMul(m, n)));
        }
        return ProductElements(c, block);
    }

    /// <summary>The product of the block sizes of all of <paramref name="c"/>'s axes (an upper bound of <see cref="BlockElements"/>).</summary>
    private long ProductElements(Computation c, Func<string, long> block) =>
        AxesOf(c).Aggregate(1L, (n, a) => SaturatingMul(n, block(Classes.ClassOf(a))));

    private static long SaturatingMul(long a, long b) => a > long.MaxValue / Math.Max(b, 1) ? long.MaxValue : a * b;

    private static IEnumerable<string> AxesOf(Computation c) => c.Reduce is { } r ? c.Indices.Concat(r.Axes) : c.Indices;

    // ---------------------------------------------------------------- default heuristic

    /// <summary>A good legal config chosen without measuring: the outer output axes run in parallel (the innermost
    /// stays in the program so its block is contiguous), blocks of 16 on parallel axes, 32 on other output axes, 64 on
    /// the innermost output axis and 128 on reduction axes (the whole extent when it is at most that, or for row-wise
    /// kernels at most <see cref="MaxRowBlock"/>: <see cref="ReduceBlockTarget"/>); batch axes of a
    /// contraction get block 1 so the contraction lowers to a <c>dot</c>; blocks shrink until each computation fits the
    /// budget; then parallel blocks shrink further until the grid has <see cref="DefaultProgramTarget"/> programs
    /// (the innermost class joins the parallel set when the outer ones cannot reach it). A kernel built around one
    /// single-axis contraction gets the cache-blocked GEMM default instead (<see cref="ContractionDefault"/>), one that is a
    /// single row times a matrix read along K the streaming default (<see cref="GemvDefault"/>).</summary>
    public Config Default()
    {
        if (GemvDefault() is { } gemv) return gemv;
        if (ContractionDefault() is { } contraction) return contraction;
        var last = Kernel.Computations.IsEmpty ? null : Kernel.Computations[^1];
        string? innermost = last is { Indices.Length: > 0 } ? Classes.ClassOf(last.Indices[^1]) : null;
        // The innermost class joins only when the outer candidates cannot give enough program instances on their own
        // (e.g. a batch of 1): its block stays a contiguous run of at least MinInnermostBlock elements.
        long outerExtents = ParallelCandidates.Where(c => c != innermost).Aggregate(1L, (p, c) => p * Classes.Extent(c));
        var parallel = ParallelCandidates.Where(c => c != innermost || ParallelCandidates.Length == 1
            || (outerExtents < DefaultProgramTarget && Classes.Extent(c) >= 2 * MinInnermostBlock)).ToList();
        var batch = ContractionBatchClasses();

        var blocks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in Classes.All)
        {
            long target = batch.Contains(c) ? 1
                : Classes.Reduce.Contains(c) ? ReduceBlockTarget(c)
                : c == innermost ? 64
                : parallel.Contains(c) ? 16 : 32;
            var cands = _blockCandidates[c];
            blocks[c] = Classes.Extent(c) <= target ? cands[^1] : cands.Last(b => b <= target);
        }
        foreach (var c in WindowReduceClasses()) blocks[c] = 1;
        // Shrink the largest block of an over-budget computation until all fit.
        foreach (var comp in Kernel.Computations)
            while (BlockElements(comp, b => blocks[b]) > BlockBudget)
            {
                var big = AxesOf(comp).Select(Classes.ClassOf).OrderByDescending(b => blocks[b]).First();
                blocks[big] = _blockCandidates[big].Last(b => b < blocks[big]);
            }

        SplitForPrograms(blocks, parallel, innermost);
        WholeRow(blocks, innermost);
        WindowDividingBlocks(blocks, parallel, innermost);
        MultiAxisContractionBlocks(blocks, parallel);

        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (c, v) in blocks) b[KnobNames.Block(c)] = Str(v);
        b[KnobNames.Parallel] = KnobNames.JoinParallel(parallel);
        b[KnobNames.Order] = KnobNames.JoinOrder(Classes.Output.Where(c => !parallel.Contains(c)));
        if (!Classes.All.IsEmpty) b[KnobNames.Vector] = innermost ?? Classes.All[^1];
        b[KnobNames.Unroll] = Str(DefaultUnroll(blocks));
        foreach (var c in Classes.Reduce) b[KnobNames.Split(c)] = "1";
        foreach (var i in ContractionInputs) b[KnobNames.Pack(i)] = KnobNames.None;
        return new Config(b.ToImmutable());
    }

    /// <summary>Most taps along one axis of a window whose reduction the default unrolls tap by tap.</summary>
    public const long MaxWindowTaps = 16;

    /// <summary>The reduction classes of sliding windows (pools, windowed sums): a sum/max/min over an axis that a load
    /// index combines with an output axis (<c>x[oh + kh]</c>), of at most <see cref="MaxWindowTaps"/> taps. Their default
    /// block is 1, so each tap is a load of the window's output row shifted by the tap (vectorised along the row, padded
    /// edges as lane ranges) and the taps combine elementwise; a whole-window block reduces a [.., row, taps] block over
    /// its last axis, whose loads are not contiguous along any vector dim (scalar loops). Only windows that read
    /// kernel inputs alone count: a window over a temp computed in the kernel (an LRN's channel window over a conv's
    /// result in alexnet, zfnet, inception v1) is kept whole, as tap by tap it measured 5–6× slower.</summary>
    private IEnumerable<string> WindowReduceClasses()
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var temps = Kernel.Temps.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var c in Kernel.Computations)
        {
            if (c.Reduce is not { Op: ReduceOp.Sum or ReduceOp.Max or ReduceOp.Min or ReduceOp.MaxNative } r) continue;
            var loads = ExprAnalysis.LoadsOf(c.Body);
            if (loads.Any(l => temps.Contains(l.Buffer))) continue;
            foreach (var load in loads)
                foreach (var ix in load.Indices)
                {
                    var axes = ExprAnalysis.AxesOf(ix);
                    if (!axes.Any(a => c.Indices.Contains(a))) continue;
                    foreach (var a in r.Axes)
                        if (axes.Contains(a) && Classes.Extent(Classes.ClassOf(a)) <= MaxWindowTaps) result.Add(Classes.ClassOf(a));
                }
        }
        return result;
    }

    /// <summary>Longest row the default keeps whole in one block (f32: 16 KiB, a part of L1).</summary>
    public const long MaxRowBlock = 4096;

    /// <summary>The default block of reduction class <paramref name="cls"/>: row-wise kernels (normalisations,
    /// softmax, plain reductions — no sum-of-products over it) take the whole row when it is at most
    /// <see cref="MaxRowBlock"/>, so each row is reduced by one vector loop with one lane fold, not one per 128-element
    /// chunk with a carried partial; contractions keep 128 (h/gemm and h/conv choose theirs).</summary>
    private long ReduceBlockTarget(string cls)
    {
        long extent = Classes.Extent(cls);
        return !IsContractionReduceClass(cls) && extent <= MaxRowBlock ? extent : 128;
    }

    private bool IsContractionReduceClass(string cls) => Kernel.Computations.Any(c => c.Reduce is { Op: ReduceOp.Sum } r
        && r.Axes.Any(a => Classes.ClassOf(a) == cls) && c.Body is Binary { Op: BinaryOp.Mul, A: Load, B: Load });

    /// <summary>Program instances the default config aims for: 4 per core on a 16-core machine, so the runtime can
    /// balance the grid over worker threads. A constant (not the host's core count) keeps compilation deterministic.</summary>
    public const long DefaultProgramTarget = 64;

    /// <summary>The smallest block the default gives the innermost output axis when splitting for programs: a full
    /// vector of f32 lanes on the widest target, so splitting never costs the contiguous vector loop.</summary>
    private const long MinInnermostBlock = 16;

    /// <summary>The default never splits a program's block of the kernel's final output below this many elements.</summary>
    public const long MinProgramElements = 1024;

    /// <summary>Halves the largest parallel block (the outermost in a row-wise kernel; never the innermost below <see cref="MinInnermostBlock"/>) until the
    /// grid has <see cref="DefaultProgramTarget"/> program instances or no parallel block can shrink. Only shrinks,
    /// so the budget still holds.</summary>
    private void SplitForPrograms(Dictionary<string, long> blocks, List<string> parallel, string? innermost)
    {
        var contraction = ContractionClasses();
        bool rowwise = IsRowwise();
        long Programs() => parallel.Aggregate(1L, (p, c) => p * ((Classes.Extent(c) + blocks[c] - 1) / blocks[c]));
        while (Programs() < DefaultProgramTarget)
        {
            var shrinkable = parallel.Where(c => blocks[c] > MinBlock(c)).ToList();
            if (shrinkable.Count == 0) return;
            // The largest block first; ties go to the outermost class (deterministic: parallel is in class order).
            // A row-wise kernel shrinks its outermost class first instead: its program then covers consecutive rows,
            // one contiguous stretch of memory (softmax [12,128,128]: 16 rows of one head, 8 KiB, not 4 rows of
            // each of 4 heads 64 KiB apart), which the hardware prefetcher streams.
            var big = rowwise ? shrinkable[0] : shrinkable.OrderByDescending(c => blocks[c]).First();
            long next = Math.Max(_blockCandidates[big].Last(v => v < blocks[big] && !IsWindowDivisor(big, v)), MinBlock(big));
            // Small programs stay whole: a program below MinProgramElements outputs costs more to schedule than it saves.
            if (OutputBlockElements() / blocks[big] * next < MinProgramElements) return;
            blocks[big] = next;
        }

        // A program covers its block of the parallel classes and the whole extent of the others (it loops over them).
        long OutputBlockElements() => Kernel.Computations[^1].Indices.Select(Classes.ClassOf).Distinct()
            .Aggregate(1L, (p, c) => p * (parallel.Contains(c) ? blocks[c] : Math.Max(1, Classes.Extent(c))));

        // Rows and columns of a dot keep a few micro-kernel rows (6) of reuse; the innermost keeps a full vector.
        // At least 1 (an empty axis has extent 0 and block 1).
        long MinBlock(string c) => Math.Max(1, Math.Min(Classes.Extent(c), c == innermost ? MinInnermostBlock : contraction.Contains(c) ? 8 : 1));
    }

    /// <summary>A row-wise kernel (softmax, a normalisation, a plain reduction): it reduces along some class, and no
    /// reduction is a sum of products (a contraction) or a sliding window (a pool).</summary>
    private bool IsRowwise()
    {
        var windows = WindowReduceClasses().ToHashSet(StringComparer.Ordinal);
        return !Classes.Reduce.IsEmpty && Classes.Reduce.All(c => !IsContractionReduceClass(c) && !windows.Contains(c))
            && ContractionClasses().Count == 0;
    }

    /// <summary>Output classes of sum-of-products reductions (rows and columns of a dot, batch axes included).</summary>
    private HashSet<string> ContractionClasses()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Kernel.Computations)
            if (c.Reduce is { Op: ReduceOp.Sum } && c.Body is Binary { Op: BinaryOp.Mul, A: Load, B: Load })
                foreach (var axis in c.Indices) set.Add(Classes.ClassOf(axis));
        return set;
    }

    /// <summary>Output classes that both operands of a sum-of-products reduction depend on (batch axes of a
    /// batched matmul): a dot needs block 1 there.</summary>
    private HashSet<string> ContractionBatchClasses()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Kernel.Computations)
            if (c.Reduce is { Op: ReduceOp.Sum } && c.Body is Binary { Op: BinaryOp.Mul, A: Load a, B: Load b })
                foreach (var axis in ExprAnalysis.AxesOf(a).Intersect(ExprAnalysis.AxesOf(b)))
                    if (c.Indices.Contains(axis)) set.Add(Classes.ClassOf(axis));
        return set;
    }

    // ---------------------------------------------------------------- sampling and enumeration

    /// <summary>A config drawn uniformly from the legal ones; deterministic given <paramref name="rng"/>'s seed. (Block sizes
    /// are drawn by rejection; in the rare space where 10,000 draws all exceed the budget, they are drawn one class at a
    /// time among the sizes that still fit, which is legal but not exactly uniform.)</summary>
    public Config Random(Random rng)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (c, v) in RandomBlocks(rng)) b[KnobNames.Block(c)] = Str(v);

        // parallel and order jointly: a parallel set P admits (n - |P|)! orders.
        var cands = ParallelCandidates;
        int n = Classes.Output.Length;
        double total = 0;
        var weights = new double[1 << cands.Length];
        for (int mask = 0; mask < weights.Length; mask++) total += weights[mask] = Factorial(n - PopCount(mask));
        double x = rng.NextDouble() * total;
        int chosen = 0;
        while (chosen < weights.Length - 1 && x >= weights[chosen]) x -= weights[chosen++];
        var parallel = cands.Where((_, i) => (chosen & (1 << i)) != 0).ToList();
        var loops = Classes.Output.Where(c => !parallel.Contains(c)).ToList();
        for (int i = loops.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (loops[i], loops[j]) = (loops[j], loops[i]);
        }
        b[KnobNames.Parallel] = KnobNames.JoinParallel(parallel);
        b[KnobNames.Order] = KnobNames.JoinOrder(loops);

        if (!Classes.All.IsEmpty) b[KnobNames.Vector] = Classes.All[rng.Next(Classes.All.Length)];
        b[KnobNames.Unroll] = Str(UnrollValues[rng.Next(UnrollValues.Length)]);
        foreach (var c in Classes.Reduce) b[KnobNames.Split(c)] = Str(_splitCandidates[c][rng.Next(_splitCandidates[c].Length)]);
        foreach (var i in ContractionInputs) b[KnobNames.Pack(i)] = rng.Next(2) == 0 ? KnobNames.None : KnobNames.Panels;
        return new Config(b.ToImmutable());
    }

    private List<(string Class, long Block)> RandomBlocks(Random rng)
    {
        var classes = Classes.All;
        var pick = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            foreach (var c in classes) pick[c] = _blockCandidates[c][rng.Next(_blockCandidates[c].Length)];
            if (BudgetProblem(c => pick[c]) is null) return [.. classes.Select(c => (c, pick[c]))];
        }
        foreach (var c in classes) pick[c] = 1;
        foreach (var c in classes)
        {
            var fits = _blockCandidates[c].Where(v => { pick[c] = v; return BudgetProblem(k => pick[k]) is null; }).ToArray();
            pick[c] = fits[rng.Next(fits.Length)];
        }
        return [.. classes.Select(c => (c, pick[c]))];
    }

    /// <summary>Every legal config, in a fixed order. Meant for small spaces (the count multiplies over the knobs).</summary>
    public IEnumerable<Config> Enumerate()
    {
        var classes = Classes.All;
        // Blocks are enumerated with pruning against the budget, the other knobs as plain products.
        foreach (var blocks in EnumerateBlocks(0, new Dictionary<string, long>(StringComparer.Ordinal)))
        {
            var fixedPart = classes.Select(c => (KnobNames.Block(c), Str(blocks[c]))).ToArray();
            foreach (var rest in Product(OtherSlots(), 0))
            {
                var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in fixedPart) b[k] = v;
                foreach (var (k, v) in rest) b[k] = v;
                yield return new Config(b.ToImmutable());
            }
        }
    }

    private IEnumerable<Dictionary<string, long>> EnumerateBlocks(int i, Dictionary<string, long> chosen)
    {
        if (i == Classes.All.Length)
        {
            yield return new Dictionary<string, long>(chosen, StringComparer.Ordinal);
            yield break;
        }
        var c = Classes.All[i];
        foreach (var v in _blockCandidates[c])
        {
            chosen[c] = v;
            // Classes not chosen yet count as 1: prune as soon as a partial choice exceeds the budget.
            if (BudgetProblem(k => chosen.GetValueOrDefault(k, 1)) is not null) continue;
            foreach (var r in EnumerateBlocks(i + 1, chosen)) yield return r;
        }
        chosen.Remove(c);
    }

    private List<List<(string Knob, string Value)[]>> OtherSlots()
    {
        var slots = new List<List<(string, string)[]>>();
        var parOrder = new List<(string, string)[]>();
        foreach (var par in ParallelSubsets())
            foreach (var perm in Permutations(Classes.Output.Where(c => !par.Contains(c)).ToList()))
                parOrder.Add([(KnobNames.Parallel, KnobNames.JoinParallel(par)), (KnobNames.Order, KnobNames.JoinOrder(perm))]);
        slots.Add(parOrder);
        if (!Classes.All.IsEmpty) slots.Add([.. Classes.All.Select(c => new[] { (KnobNames.Vector, c) })]);
        slots.Add([.. UnrollValues.Select(u => new[] { (KnobNames.Unroll, Str(u)) })]);
        foreach (var c in Classes.Reduce) slots.Add([.. _splitCandidates[c].Select(s => new[] { (KnobNames.Split(c), Str(s)) })]);
        foreach (var i in ContractionInputs) slots.Add([new[] { (KnobNames.Pack(i), KnobNames.None) }, new[] { (KnobNames.Pack(i), KnobNames.Panels) }]);
        return slots;
    }

    private static IEnumerable<List<(string, string)>> Product(List<List<(string, string)[]>> slots, int i)
    {
        if (i == slots.Count)
        {
            yield return [];
            yield break;
        }
        foreach (var choice in slots[i])
            foreach (var rest in Product(slots, i + 1))
            {
                rest.InsertRange(0, choice);
                yield return rest;
            }
    }

    private IEnumerable<List<string>> ParallelSubsets()
    {
        var cands = ParallelCandidates;
        for (int mask = 0; mask < 1 << cands.Length; mask++)
            yield return [.. cands.Where((_, i) => (mask & (1 << i)) != 0)];
    }

    private static IEnumerable<List<string>> Permutations(List<string> items)
    {
        if (items.Count <= 1)
        {
            yield return [.. items];
            yield break;
        }
        for (int i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, j) => j != i).ToList();
            foreach (var p in Permutations(rest))
            {
                p.Insert(0, items[i]);
                yield return p;
            }
        }
    }

    private IEnumerable<string> ParallelValues() => ParallelSubsets().Select(KnobNames.JoinParallel);

    /// <summary>Values listed for <c>order</c>: the permutations of all output classes (of the ones not parallel in a
    /// given config); listed only up to 6 classes.</summary>
    private IEnumerable<string> OrderValues() =>
        Classes.Output.Length <= 6 ? Permutations([.. Classes.Output]).Select(KnobNames.JoinOrder) : [KnobNames.JoinOrder(Classes.Output)];

    // ---------------------------------------------------------------- text

    /// <summary><c>knobs @k { block.m in {1, 2, 4}  ... }</c>, one knob per line.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder().Append("knobs @").Append(Kernel.Name).Append(" {\n");
        int width = Knobs.IsEmpty ? 0 : Knobs.Max(k => k.Name.Length);
        foreach (var k in Knobs)
            sb.Append("  ").Append(k.Name.PadRight(width)).Append(" in {").Append(string.Join(", ", k.Values)).Append("}\n");
        return sb.Append('}').ToString();
    }

    private static ImmutableArray<string> FindContractionInputs(TileKernel kernel)
    {
        var inputs = kernel.Inputs.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in kernel.Computations)
        {
            if (c.Reduce is not { Op: ReduceOp.Sum } r) continue;
            foreach (var operand in MulOperands(c.Body))
                if (Strip(operand) is Load l && inputs.Contains(l.Buffer) && ExprAnalysis.AxesOf(l).Overlaps(r.Axes))
                    found.Add(l.Buffer);
        }
        return [.. kernel.Inputs.Select(b => b.Name).Where(found.Contains)];

        static IEnumerable<Expr> MulOperands(Expr e) => e switch
        {
            Binary { Op: BinaryOp.Mul } m => [m.A, m.B],
            Cast cst => MulOperands(cst.X),
            _ => [],
        };
        static Expr Strip(Expr e) => e is Cast cst ? Strip(cst.X) : e;
    }

    private static double Factorial(int n)
    {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    private static int PopCount(int x) => System.Numerics.BitOperations.PopCount((uint)x);

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
}
