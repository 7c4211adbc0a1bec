using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>How a sum of products lowers to <c>dot</c> under given block sizes: <c>%c[...] = sum[k, r…] mul(X, Y)</c>
/// over floats, each operand a load or a padded load (<c>select(cond, load, 0)</c>, as a convolution reads its padded
/// input); at most one reduction axis (K) has a block larger than 1 (the others, e.g. a convolution's kh and kw, are
/// stepped one element at a time around the dot); every output axis with a block larger than 1 is read by exactly one
/// operand (not counting an operand that reads it only group-wise, <see cref="GroupWidth"/>), at most one such axis (M)
/// by X and at most one (N) by Y. X is the operand whose axis comes first in the
/// output, so the [M, N] product is in the output's element order. The Block lowering emits a dot exactly where
/// <see cref="Find"/> matches, and the knob space's budget counts such a computation's operand and accumulator blocks
/// (M·K + K·N + M·N), not the product block M·N·K, so both must agree.</summary>
public sealed record DotShape(Expr X, Expr Y, string? M, string? N, string K)
{
    /// <summary>The output axes (M or N) that one operand reads only group-wise (<see cref="GroupWidth"/>): that operand
    /// is evaluated at the first index of the axis's block.</summary>
    public ImmutableArray<string> GroupAxes { get; init; } = [];

    /// <summary>M comes after N in the output (<see cref="ChannelColumns"/>): the [M, N] product is stored transposed.</summary>
    public bool Transposed { get; init; }

    /// <summary>An output axis before M that only X reads, with a block larger than 1 (a channels-as-columns
    /// convolution's oh, <see cref="ChannelColumnRows"/>): its rows stack along M, one [R·M, N] dot per step whose Y
    /// block serves all of them; null for a plain dot.</summary>
    public string? Rows { get; init; }

    public bool Equals(DotShape? other) => other is not null && X.Equals(other.X) && Y.Equals(other.Y) && M == other.M
        && N == other.N && K == other.K && GroupAxes.SequenceEqual(other.GroupAxes) && Transposed == other.Transposed
        && Rows == other.Rows;
    public override int GetHashCode() => HashCode.Combine(X, Y, M, N, K, GroupAxes.Length);

    /// <summary>The dot shape of <paramref name="c"/> with <paramref name="block"/> giving each axis's block size, or null.
    /// With <paramref name="extent"/> a channels-as-columns convolution may also have a row-group axis
    /// (<see cref="Rows"/>, <see cref="ChannelColumnRows"/>); without it never.</summary>
    public static DotShape? Find(Computation c, Func<string, long> block, Func<string, long>? extent = null)
    {
        if (Operands(c) is not var (a, b)) return null;
        var r = c.Reduce!;
        var wide = r.Axes.Where(x => block(x) > 1).ToArray();
        if (wide.Length > 1) return null;
        // With every reduction block 1 any axis can be K; the first keeps the loop order of the reduction.
        string k = wide.Length == 1 ? wide[0] : r.Axes[0];
        var da = ExprAnalysis.AxesOf(a);
        var db = ExprAnalysis.AxesOf(b);
        if (!da.Concat(db).All(x => r.Axes.Contains(x) || c.Indices.Contains(x))) return null;
        var big = c.Indices.Where(x => block(x) > 1).ToArray();
        // An operand that reads an axis only group-wise is the same over each of its blocks (GroupWidth): it does not
        // read that axis per lane, so a grouped convolution's co is M though the input names it too.
        var group = big.Where(x => GroupWidth.IsUniform(a, x, block(x)) || GroupWidth.IsUniform(b, x, block(x))).ToArray();
        da = da.Except(big.Where(x => GroupWidth.IsUniform(a, x, block(x))));
        db = db.Except(big.Where(x => GroupWidth.IsUniform(b, x, block(x))));
        var ms = big.Where(x => da.Contains(x) && !db.Contains(x)).ToArray();
        var ns = big.Where(x => db.Contains(x) && !da.Contains(x)).ToArray();
        if (ms.Length + ns.Length != big.Length) return null;
        if (ms.Length > 1 || ns.Length > 1)
            return extent is not null && ChannelColumnRows(c, block, extent, ms, ns, group) is { } rows ? rows : null;
        string? m = ms.FirstOrDefault(), n = ns.FirstOrDefault();
        // X supplies the output's earlier axis (rows of the product), Y the later one (columns).
        bool swap = m is not null && n is not null && c.Indices.IndexOf(m) > c.Indices.IndexOf(n);
        var shape = (swap ? new DotShape(b, a, n, m, k) : new DotShape(a, b, m, n, k)) with { GroupAxes = [.. group] };
        if (IsMultiTap(c) && group.Length == 0 && shape is { M: { } sm, N: { } sn } && ChannelColumns(shape.X, sm))
            shape = new DotShape(shape.Y, shape.X, sn, sm, k) { Transposed = true };
        // One row times a matrix read along K (a Gemm with transB on a single row, a Linear layer at batch 1): a dot
        // would gather a transposed [K, N] block per step; a sum along K reads each row of Y contiguously instead.
        // Only for a single reduction axis: a convolution stays a dot (its other reduction axes step around it).
        return r.Axes.Length == 1 && shape.M is null && shape.N is not null && ReadsAlongLast(shape.Y, k) ? null : shape;
    }

    /// <summary>A channels-as-columns convolution whose block spans several output rows: two output axes read only by the
    /// input (oh, ow) with blocks larger than 1, the later one M. Its rows stack along M: one [R·ow, co] dot per step, so
    /// a program reads its [ci, co] weight blocks once for all its rows instead of once per row
    /// (<see cref="KnobSpace"/>'s ChannelColumnRowsBlock picks R). Only where the row block divides the rows'
    /// extent (no row of a block lies outside the output, so no row needs a mask); null otherwise.</summary>
    private static DotShape? ChannelColumnRows(Computation c, Func<string, long> block, Func<string, long> extent,
        string[] ms, string[] ns, string[] group)
    {
        // The operand that reads two of the blocked output axes alone is the input (its axes in output order: oh, ow).
        var (two, one) = ms.Length == 2 ? (ms, ns) : (ns, ms);
        if (two.Length != 2 || one.Length != 1 || group.Length != 0 || !IsMultiTap(c)) return null;
        string rows = two[0], m = two[1], n = one[0];
        if (extent(rows) % block(rows) != 0) return null;
        var plain = Find(c, x => x == rows ? 1 : block(x));
        return plain is { Transposed: true, GroupAxes.Length: 0 } && plain.M == m && plain.N == n
            && ExprAnalysis.AxesOf(plain.X).Contains(rows) ? plain with { Rows = rows } : null;
    }

    /// <summary>The two operands of a float sum of products of (padded) loads, whatever the blocks; null otherwise.</summary>
    public static (Expr A, Expr B)? Operands(Computation c)
    {
        if (c.Reduce is not { Op: ReduceOp.Sum, Axes.Length: > 0 }) return null;
        if (c.Body is not Binary { Op: BinaryOp.Mul, A: var a, B: var b } || !ScalarSemantics.IsFloat(c.Body.Type)) return null;
        return IsOperand(a) && IsOperand(b) ? (a, b) : null;
    }

    /// <summary>The roles the default gives the axes of a sum of products over several reduction axes (a convolution):
    /// N is the innermost output axis, read by one operand only (Y); M the output axis with the largest extent that only
    /// the other operand (X) reads, or null; K the reduction axis both read with the largest extent (ci). Null where
    /// the computation is no such contraction or no operand reads N alone.</summary>
    public static DotRoles? DefaultRoles(Computation c, Func<string, long> extent) =>
        IsMultiTap(c) ? Roles(c, extent) : null;

    /// <summary>A convolution-like contraction: several reduction axes, or one that merges them
    /// (<see cref="IsMergedTaps"/>).</summary>
    public static bool IsMultiTap(Computation c) => c.Reduce is { Axes.Length: > 1 } || IsMergedTaps(c);

    /// <summary>Whether <paramref name="c"/> is a convolution whose reduction axes were merged into one
    /// (<see cref="Passes.MergeContractionTaps"/>): a sum of products over one axis k that an operand's load indexes
    /// through a quotient or remainder of k (the input's ci, kh, kw).</summary>
    public static bool IsMergedTaps(Computation c)
    {
        if (c.Reduce is not { Axes.Length: 1 } r || Operands(c) is not var (a, b)) return false;
        string k = r.Axes[0];
        return new[] { a, b }.Any(o => LoadOf(o) is { } l && l.Indices.Any(e => Passes.ExprWalk.PreOrder(e).Any(x =>
            x is Binary { Op: BinaryOp.FloorDiv or BinaryOp.Mod } q && ExprAnalysis.AxesOf(q.A).Contains(k))));
    }

    /// <summary>The narrowest group (output channels per group) whose channel axis the default makes the dot's M.</summary>
    public const long MinGroupRows = 4;

    /// <summary>The same roles for any sum of products of (padded) loads, over one reduction axis (a matmul) or several.</summary>
    public static DotRoles? Roles(Computation c, Func<string, long> extent)
    {
        if (c.Reduce is not { } r || Operands(c) is not var (a, b) || c.Indices.IsEmpty) return null;
        var da = ExprAnalysis.AxesOf(a);
        var db = ExprAnalysis.AxesOf(b);
        string n = c.Indices[^1];
        if (da.Contains(n) == db.Contains(n)) return null;
        var (x, y, dx, dy) = db.Contains(n) ? (a, b, da, db) : (b, a, db, da);
        // M is read by X alone, or by Y only group-wise (a grouped convolution's co): then its block divides the group,
        // which takes at least MinGroupRows rows (a depthwise conv with a small multiplier stays a vector loop).
        string? m = c.Indices.Where(i => i != n && dx.Contains(i) && (!dy.Contains(i) || GroupWidth.Of(y, i) >= MinGroupRows))
            .OrderBy(i => dy.Contains(i)).ThenByDescending(extent).FirstOrDefault();
        var shared = r.Axes.Where(i => da.Contains(i) && db.Contains(i)).ToArray();
        string k = (shared.Length > 0 ? shared : [.. r.Axes]).OrderByDescending(extent).First();
        long? groupWidth = m is not null && dy.Contains(m) ? GroupWidth.Of(y, m) : null;
        if (IsMultiTap(c) && m is not null && groupWidth is null && ChannelColumns(x, m))
            return new DotRoles(y, x, n, m, k) { Transposed = true };
        return new DotRoles(x, y, m, n, k, groupWidth);
    }

    /// <summary>Lanes of the widest f32 vector of any target (avx512): the unit in which the Tile level judges whether
    /// an axis fills vectors (it does not see the target).</summary>
    public const long WideLanes = 16;

    /// <summary>Whether the default should make a convolution's channel axis the dot's columns (N, the vector axis) and
    /// its output positions the rows: where the innermost output axis <paramref name="n"/> (ow) would waste lanes (its
    /// extent is no multiple of <see cref="WideLanes"/>, as ow = 7, 14, 28, 56 are) or is read with a stride (a
    /// stride-2 conv gathers its N vector), while the row axis <paramref name="m"/> (co) fills whole vectors. The dot's
    /// B rows are then the weight's [ci, co] rows (<see cref="Passes.RelayoutContractionWeights"/> lays it out so) and
    /// its A column a run of input positions, packed with vector loads along ow; the [ow, co] product is stored
    /// transposed once per output block. Only for a multi-axis contraction whose X is a constant re-laid out by
    /// that pass: the decision is then visible in the kernel (<see cref="ChannelColumns(Expr, string)"/>).</summary>
    public static bool WantsChannelColumns(Computation c, DotRoles roles, Func<string, long> extent)
    {
        if (!IsMultiTap(c) || roles is not { M: { } m, Group: null, Transposed: false }) return false;
        // A short K (the 7×7 stem: ci = 3, K = kh = 7) loads and stores the [M, N] tile every few steps, and its strided
        // input packs scalar by scalar either way: measured slower with the channels as columns (4.8 → 7.8 ms).
        if (extent(m) % WideLanes != 0 || extent(roles.K) < WideLanes || LoadOf(roles.Y) is not { } y) return false;
        // The transposed store writes one element per channel, a channel's plane apart: where the plane is a multiple
        // of 4 KiB every such store maps to one L1 set (a 3×3 64→64 conv at 64×64 took 4.0 ms this way, 2.0 without,
        // before convs read a padded copy). A conv with taps of its own (ShortWholeVectorRow) takes the channels as
        // columns all the same: on a padded copy, measured faster there too (see MaxShortWholeVectorRow).
        long plane = c.Indices.SkipWhile(i => i != m).Skip(1).Aggregate(1L, (p, i) => p * extent(i));
        bool ownTaps = !IsMergedTaps(c) && c.Reduce!.Axes.Any(a => a != roles.K && extent(a) > 1);
        if (plane * 4 % 4096 == 0 && !ownTaps) return false;
        bool strided = y.Indices.Any(e => ExprAnalysis.AxesOf(e).Contains(roles.N) && e is not IndexVar && !IsUnitStep(e, roles.N));
        // An im2col contraction (K = ci·kh·kw) over a strided input keeps N = ow: its [K, ow] rows pack with strided
        // vector loads and the accumulators stay in registers over all of K (measured: the 3×3/2 stem 1.26 → 1.79 ms
        // with the channels as columns).
        if (IsMergedTaps(c) && strided) return false;
        // One over an unpadded input (a padded copy, Passes.PrePadConvInput; h/stem4) keeps N = ow too: its [K, ow] rows
        // are plain loads the micro-kernel reads in place (no pack) and its bias/activation epilogue stays in registers,
        // where channels as columns pack the input and store the [ow, co] product transposed, element by element.
        if (IsMergedTaps(c) && roles.Y is Load) return false;
        // A 1×1 conv at stride 1 is a plain GEMM over merged positions (Passes.MergeContiguousAxes): it keeps N = positions,
        // unless its vectors of positions waste many lanes (ShortPositions).
        bool taps = IsMergedTaps(c) || c.Reduce!.Axes.Any(a => a != roles.K && extent(a) > 1);
        bool shortRow = extent(roles.N) % WideLanes != 0 || ownTaps && extent(roles.N) <= MaxShortWholeVectorRow;
        return strided || (shortRow && (taps || ShortPositions(plane) && extent(roles.K) >= MinPointwiseColumnsK && WideColumnBlocks(extent(m))));
    }

    /// <summary>The longest output row of whole vectors (ow = 16, 32, 48, 64) on which a conv with taps of its own takes
    /// its channels as columns: as positions, such a row is one to four vectors of N for every micro-tile, against
    /// four-vector rows of 64 channels as columns (which stack several output rows per program on small planes).
    /// Measured with its padded copy (<see cref="Passes.PrePadConvInput"/>; two sessions in one process, alternated,
    /// 1 / 2 threads, time before → after): 3×3 256→256 at 16×16 4.54 → 2.09 / 2.30 → 1.14 ms, 128→128 at 16×16
    /// 1.13 → 0.51 / 0.68 → 0.42, 128→128 at 48×48 6.03 → 4.67 / 3.74 → 3.12, 64→64 at 32×32 0.66 → 0.48 / 0.37 → 0.32,
    /// 256→256 at 32×32 10.9 → 8.5 / 5.5 → 4.6, 64→64 at 64×64 2.54 → 2.05 / 1.45 → 1.25, 256→256 at 64×64 40.5 → 34.7
    /// / 20.8 → 18.4, the 3×3/2 128→128 from 64×64 to 32×32 2.76 → 2.50 / 1.38 → 1.29. Longer rows keep N = ow:
    /// 64→64 at 128×128 took 1.48× the time as channels as columns.</summary>
    public const long MaxShortWholeVectorRow = 4 * WideLanes;

    /// <summary>Whether a pointwise conv's positions (its whole output plane, N once merged) waste at least 1/<see cref="MaxWastedLanes"/> of their vectors' lanes
    /// on the masked tail (7×7 = 49: 15 of 64); then its channels go on lanes instead, whole vectors.</summary>
    private static bool ShortPositions(long positions)
    {
        long lanes = (positions + WideLanes - 1) / WideLanes * WideLanes;
        return (lanes - positions) * MaxWastedLanes >= lanes;
    }

    /// <summary>Whether <paramref name="channels"/> split into column blocks of 4 to 8 whole vectors (the micro-kernel's
    /// width, KnobSpace's ChannelColumnsMaxN), or into wider blocks of 4-vector tiles and a 3-vector tail
    /// (KnobSpace.ChannelColumnsDividingN): 352 channels as blocks of 2 vectors measured 3–5% slower on inception_v2's
    /// 1024→352 conv on 7×7 (160 as 80s, 192, 512, 2048 faster), as 2 · 176 (4 + 4 + 3 vectors) 10% faster.</summary>
    private static bool WideColumnBlocks(long channels) =>
        Enumerable.Range(4, 5).Any(v => channels % (v * WideLanes) == 0) || KnobSpace.ChannelColumnsDividingN(channels) > 8 * WideLanes;

    /// <summary>Least K (ci) of a pointwise conv that takes its channels as columns for short positions: the transposed
    /// [positions, co] tile costs its zeroing, a load and store per K block and the element-wise transposed store with the
    /// epilogue, per output, amortised over K. Measured on resnet50's 7×7-plane 1×1 convs (1 thread, CPU time, in one
    /// sitting): 2048→512 0.66–0.75 → 0.61–0.62 ms, 1024→2048 (+ residual) 1.40–1.46 → 1.30; 512→2048 no better
    /// (0.70–0.76 either way, K blocks of 32, 64, 128 or 256 alike). With the [ci, co] weight in panels
    /// (<see cref="Passes.PanelContractionWeights"/>) and a double-pumped core (Zen 4: 4 vectors of 16 positions cost
    /// what 49 lanes would not), 512→2048 (+ residual) pays too: 1.43–1.56 → 1.15–1.24 ms (1 thread, thread CPU, two
    /// alternations with main). 256 is untried: the per-output epilogue costs twice as much per FMA there.</summary>
    private const long MinPointwiseColumnsK = 512;

    /// <summary>1 / the least share of lanes a pointwise conv's positions waste for it to take its channels as columns.
    /// A 14×14 plane (196 positions, 12 of 208 lanes idle) stays below it: inception_v2's 576→{64…224} 1×1 convs on
    /// 14×14 measured 1.5–2.2× slower as channels as columns (1 thread, thread CPU, two alternations with the default; h/pw2).</summary>
    private const long MaxWastedLanes = 8;

    /// <summary>The kernel's own record of <see cref="WantsChannelColumns"/>: X (the operand of the earlier output axis
    /// <paramref name="m"/>) is read with m as its innermost index (a weight laid out [.., ci, co]): then X is the better
    /// [K, N] operand. A conv weight reads co innermost only as laid out for channels as columns, whether or not the
    /// other operand reads its output axis innermost too (a pointwise conv's input [ci, oh·ow]).</summary>
    public static bool ChannelColumns(Expr x, string m) => ReadsAlongLast(x, m) || ReadsAlongPanels(x, m);

    /// <summary>Whether the operand's innermost index is <c>axis % P</c>: a constant weight laid out in panels along
    /// the axis (<see cref="Passes.PanelContractionWeights"/>), contiguous along it within each panel.</summary>
    private static bool ReadsAlongPanels(Expr operand, string axis) =>
        LoadOf(operand) is { Indices.Length: > 1 } l && l.Indices[^1] is Binary { Op: BinaryOp.Mod, A: IndexVar v, B: Constant }
        && v.Name == axis;

    /// <summary>Whether <paramref name="e"/> is <c>axis + c</c>, <c>axis - c</c> or a sum of axis and other axes (not a multiple of it).</summary>
    private static bool IsUnitStep(Expr e, string axis) => e switch
    {
        IndexVar v => v.Name == axis,
        Binary { Op: BinaryOp.Add or BinaryOp.Sub, A: var a, B: var b } => IsUnitStep(a, axis) || (e is Binary { Op: BinaryOp.Add } && IsUnitStep(b, axis)),
        _ => false,
    };

    /// <summary>Whether the operand is a (padded) load whose innermost index is the axis <paramref name="k"/> itself.</summary>
    private static bool ReadsAlongLast(Expr operand, string k) =>
        LoadOf(operand) is { Indices.Length: > 0 } l && l.Indices[^1] is IndexVar v && v.Name == k;

    /// <summary>The load of an operand: the operand itself, or the load inside a zero-padded <c>select</c>.</summary>
    internal static Load? LoadOf(Expr operand) => operand switch
    {
        Load l => l,
        Select { IfTrue: Load t } => t,
        Select { IfFalse: Load f } => f,
        _ => null,
    };

    /// <summary>A load, or a load where a condition holds and 0 elsewhere (zero padding).</summary>
    private static bool IsOperand(Expr e) => e switch
    {
        Load => true,
        Select { IfTrue: Load, IfFalse: Constant z } => IsZero(z),
        Select { IfTrue: Constant z, IfFalse: Load } => IsZero(z),
        _ => false,
    };

    private static bool IsZero(Constant c) => ScalarSemantics.IsFloat(c.ConstantType) && c.Value.F == 0;
}

/// <summary>The default roles of a multi-axis contraction's operands and axes (<see cref="DotShape.DefaultRoles"/>):
/// X is the [M, K] operand, Y the [K, N] one; where Y reads M group-wise, <paramref name="Group"/> is the group width
/// that M's block must divide for the computation to stay a dot.</summary>
public sealed record DotRoles(Expr X, Expr Y, string? M, string N, string K, long? Group = null)
{
    /// <summary>The roles are swapped from the output's order (<see cref="DotShape.Transposed"/>): M comes after N.</summary>
    public bool Transposed { get; init; }
}
