using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>im2col as an index rewrite: a group-1 convolution's reduction axes (ci, kh, kw) become one axis k of extent
/// ci·kh·kw, so it lowers to one GEMM-like <c>dot</c> per K block with the accumulators in registers across the whole
/// block, instead of a dot over ci stepped around by (kh, kw) that stores and reloads the accumulator tile at every
/// tap (and, for a stem with ci = 3, runs a K of 3 per step). The weight <c>%w[co, ci, kh, kw]</c> is read as
/// <c>%w[co, k]</c> (its trailing dims merged: same bytes, same element order); the input reads
/// <c>ci = k / (kh·kw)</c>, <c>kh = (k / kw) mod kh</c>, <c>kw = k mod kw</c>: uniform per K row of the packed [K, N]
/// (or column-major [K, M]) operand, so the packing loop still copies whole rows along ow with vector loads (strided
/// for a strided conv, masked for the padding). <see cref="DotShape.IsMergedTaps"/> recognises the result.
/// Applies where the weight is a kernel input read once, with the reduction axes as its trailing dims in that order,
/// no other computation uses them, and the taps are more than one (a 1×1 conv has nothing to merge).</summary>
public sealed class MergeContractionTaps : ITilePass
{
    public string Name => "MergeContractionTaps";

    public TileKernel Run(TileKernel kernel) => Apply(kernel, TapMerging.Default);

    /// <summary>The kernel with its first mergeable convolution merged; the kernel itself where none is.
    /// <see cref="RelayoutContractionWeights"/> calls this before it re-lays out the weights, so the layout it picks
    /// is the merged contraction's.</summary>
    public static TileKernel Apply(TileKernel kernel, TapMerging mode)
    {
        if (mode == TapMerging.Never) return kernel;
        foreach (var c in kernel.Computations)
            if (Candidate(kernel, c) is var (weight, axes) && (mode == TapMerging.Always || Pays(kernel, c, axes)))
                return Merge(kernel, c, weight, axes);
        return kernel;
    }

    /// <summary>Most taps (kh·kw) the cost rule merges for channels up to a vector.</summary>
    public const long MaxTaps = 9;

    /// <summary>Most channels of a convolution the cost rule merges at any number of taps (an image stem's 3 colours).</summary>
    public const long StemChannels = 4;

    /// <summary>The cost rule: merge where the channel axis is at most a vector (<see cref="DotShape.WideLanes"/>: a
    /// stem's ci = 3 runs a K of 3 per tap without merging; squeezenet's fire2/fire3 expand 3×3 convs, ci = 16 on 55×55,
    /// took 0.59–0.72 ms per tap-looped K of 16, 0.48–0.62 merged into K = 144) and the taps are at most
    /// <see cref="MaxTaps"/>. Measured
    /// (thread CPU time, 1 thread): squeezenet's 3×3/2 stem 1.16 → 0.78–0.89 ms; but resnet50's 7×7/2 stem 2.50 → 2.73 ms
    /// and every 3×3 conv with ci ≥ 64 slower (the 7×7-plane 512→512 ones 3.2 → 6.0 ms): each K row of the packed
    /// operand pays its own index arithmetic (k / 9, (k / 3) mod 3, k mod 3 and the padding bounds), which a wide
    /// ci amortised over a whole (kh, kw) step's affine rows before. An image stem (ci ≤ <see cref="StemChannels"/>)
    /// merges at any number of taps: unmerged it runs a dot of K = ci·kh per (ci, kw) step (K = 7 for a 7×7 stem), its
    /// 64×64 accumulator tile stored and reloaded around every few FMAs. With the K row's digits counted
    /// (<c>Machine.Passes.CountDivisions</c>), thread CPU time, 1 thread: resnet50's 7×7/2 stem 2.57 → 2.12 ms,
    /// inception v2's 2.74 → 2.18, densenet121's 2.68 → 2.25, zfnet's 8.18 → 6.47, alexnet's 11×11/4 3.79 → 3.02.
    /// The 5×5 convs of ci = 16 (inception v1) stay unmerged: 0.18 → 0.20 and 0.050 → 0.065 ms merged.</summary>
    private static bool Pays(TileKernel kernel, Computation c, string[] axes)
    {
        long channels = kernel.Axis(axes[0]).Extent;
        long taps = axes.Skip(1).Aggregate(1L, (p, a) => p * kernel.Axis(a).Extent);
        return channels <= DotShape.WideLanes && taps <= MaxTaps || channels <= StemChannels;
    }

    /// <summary>The weight load and the reduction axes in its trailing-dim order, or null.</summary>
    private static (Load Weight, string[] Axes)? Candidate(TileKernel kernel, Computation c)
    {
        if (c.Reduce is not { Axes.Length: > 1 } r) return null;
        if (DotShape.DefaultRoles(c, a => kernel.Axis(a).Extent) is not { M: not null, Group: null } roles) return null;
        if (roles.X is not Load w || kernel.Inputs.All(b => b.Name != w.Buffer)) return null;
        int n = r.Axes.Length, rank = w.Indices.Length;
        if (rank < n) return null;
        var shape = kernel.Buffer(w.Buffer).Shape;
        var axes = new string[n];
        for (int d = rank - n; d < rank; d++)
        {
            if (w.Indices[d] is not IndexVar v || !r.Axes.Contains(v.Name) || axes.Contains(v.Name) || shape[d] != kernel.Axis(v.Name).Extent) return null;
            axes[d - (rank - n)] = v.Name;
        }
        // The leading dims read no reduction axis; the taps beyond the channel axis are more than one.
        if (w.Indices.Take(rank - n).Any(e => ExprAnalysis.AxesOf(e).Any(r.Axes.Contains))) return null;
        if (r.Axes.Where(a => a != roles.K).Aggregate(1L, (p, a) => p * kernel.Axis(a).Extent) <= 1) return null;
        // The weight is read only here, the reduction axes only by this computation.
        int reads = kernel.Computations.Sum(x => ExprWalk.PreOrder(x.Body).Count(e => e is Load l && l.Buffer == w.Buffer));
        if (reads != 1) return null;
        if (kernel.Computations.Any(x => !ReferenceEquals(x, c)
            && (x.Indices.Any(r.Axes.Contains) || x.Reduce is { } xr && xr.Axes.Any(r.Axes.Contains) || ExprAnalysis.AxesOf(x.Body).Any(r.Axes.Contains))))
            return null;
        return (w, axes);
    }

    private static TileKernel Merge(TileKernel kernel, Computation c, Load weight, string[] axes)
    {
        string merged = kernel.UniqueAxisName(string.Join("_", axes));
        var extents = axes.Select(a => kernel.Axis(a).Extent).ToArray();
        long total = extents.Aggregate(1L, (p, e) => p * e);
        // axes[i] = (k / (extent of the axes after it)) mod extents[i]; the first needs no mod, the last no division.
        var replace = new Dictionary<string, Expr>(StringComparer.Ordinal);
        long inner = 1;
        for (int i = axes.Length - 1; i >= 0; i--)
        {
            Expr e = new IndexVar(merged);
            if (inner > 1) e = new Binary(BinaryOp.FloorDiv, e, Expr.Index(inner));
            if (i > 0) e = new Binary(BinaryOp.Mod, e, Expr.Index(extents[i]));
            replace[axes[i]] = e;
            inner *= extents[i];
        }
        int rank = weight.Indices.Length, n = axes.Length;
        var rebuilder = new TapMerger(weight.Buffer, n, merged, replace);
        var first = c.Reduce!.Axes.First(axes.Contains);
        return kernel with
        {
            Inputs = [.. kernel.Inputs.Select(b => b.Name == weight.Buffer
                ? b with { Shape = [.. b.Shape.Take(rank - n), total] } : b)],
            Axes = [.. kernel.Axes.Where(x => x.Name == first || !axes.Contains(x.Name)).Select(x => x.Name == first ? new Axis(merged, total) : x)],
            Computations = [.. kernel.Computations.Select(x => ReferenceEquals(x, c)
                ? x with { Reduce = x.Reduce! with { Axes = [merged] }, Body = rebuilder.Rebuild(x.Body) } : x)],
        };
    }

    /// <summary>The weight's trailing <c>n</c> indices become the merged axis; every other use of a merged axis its
    /// quotient/remainder form.</summary>
    private sealed class TapMerger(string weight, int n, string merged, Dictionary<string, Expr> replace) : ExprRebuilder
    {
        public override Expr IndexVar(string name) => replace.TryGetValue(name, out var e) ? e : new IndexVar(name);

        public override Expr Load(string buffer, ImmutableArray<Expr> indices, DataType elementType) => buffer == weight
            ? new Load(buffer, [.. indices.Take(indices.Length - n).Select(Rebuild), new IndexVar(merged)], elementType)
            : base.Load(buffer, indices, elementType);
    }
}

/// <summary>Which convolutions <see cref="MergeContractionTaps"/> merges: by its cost rule, none, or all it can.</summary>
public enum TapMerging
{
    Default,
    Never,
    Always,
}
