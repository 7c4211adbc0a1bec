using System.Collections.Immutable;

namespace Strata.Tile;

/// <summary>The axes of a kernel grouped into classes that knobs refer to. Two output axes are in one class when a
/// computation reads, along one dimension, a buffer written earlier in the kernel with exactly its own axis variable
/// at a dimension the writer indexes with the other axis (e.g. softmax: <c>%mx[i] = max[k] ...</c> and
/// <c>%out[i1, j] = exp(sub(%x[i1, j], %mx[i1]))</c> put <c>i</c> and <c>i1</c> in one class). Axes of one class share
/// a block size, and a class can be spread over program instances only as a whole. A class is named by its
/// representative: the member that appears first when scanning computations from the last one back (so the names
/// are those of the kernel's final outputs where possible).</summary>
public sealed class AxisClasses
{
    private readonly Dictionary<string, string> _classOf;
    private readonly Dictionary<string, ImmutableArray<string>> _members;

    private AxisClasses(TileKernel kernel)
    {
        Kernel = kernel;
        var reduceAxes = new HashSet<string>(kernel.Computations.Where(c => c.Reduce is not null).SelectMany(c => c.Reduce!.Axes), StringComparer.Ordinal);
        var used = new List<string>();
        // Scan from the last computation back: outputs' axes get the first (representative) positions.
        for (int ci = kernel.Computations.Length - 1; ci >= 0; ci--)
        {
            var c = kernel.Computations[ci];
            foreach (var a in c.Indices) if (!used.Contains(a)) used.Add(a);
            if (c.Reduce is { } r)
                foreach (var a in r.Axes) if (!used.Contains(a)) used.Add(a);
        }
        var parent = used.ToDictionary(a => a, a => a, StringComparer.Ordinal);
        string Find(string a) { while (parent[a] != a) a = parent[a] = parent[parent[a]]; return a; }
        void Union(string a, string b)
        {
            string ra = Find(a), rb = Find(b);
            if (ra == rb) return;
            // Keep the earlier (in scan order) as the root so the representative is deterministic.
            if (used.IndexOf(ra) < used.IndexOf(rb)) parent[rb] = ra; else parent[ra] = rb;
        }

        var writers = WritersOf(kernel);
        foreach (var c in kernel.Computations)
        {
            var outAxes = c.Indices.Where(a => !reduceAxes.Contains(a)).ToHashSet(StringComparer.Ordinal);
            foreach (var load in ExprAnalysis.LoadsOf(c.Body))
            {
                if (!writers.TryGetValue(load.Buffer, out var ws)) continue;
                foreach (var w in ws)
                    for (int d = 0; d < load.Indices.Length && d < w.Indices.Length; d++)
                        if (load.Indices[d] is IndexVar v && outAxes.Contains(v.Name) && !reduceAxes.Contains(w.Indices[d])
                            && kernel.Axis(v.Name).Extent == kernel.Axis(w.Indices[d]).Extent)
                            Union(v.Name, w.Indices[d]);
            }
        }

        _classOf = used.ToDictionary(a => a, Find, StringComparer.Ordinal);
        var reps = used.Where(a => Find(a) == a).ToList();
        _members = reps.ToDictionary(r => r, r => used.Where(a => Find(a) == r).ToImmutableArray(), StringComparer.Ordinal);
        Reduce = [.. reps.Where(r => _members[r].Any(reduceAxes.Contains))];
        Output = [.. reps.Where(r => !_members[r].Any(reduceAxes.Contains))];
        All = [.. Output, .. Reduce];
        ParallelCandidates = [.. Output.Where(r => ParallelProblem(r, writers) is null)];
    }

    public TileKernel Kernel { get; }

    /// <summary>Classes of output axes (no member is reduced anywhere), in representative scan order.</summary>
    public ImmutableArray<string> Output { get; }

    /// <summary>Classes that contain a reduction axis.</summary>
    public ImmutableArray<string> Reduce { get; }

    /// <summary><see cref="Output"/> then <see cref="Reduce"/>.</summary>
    public ImmutableArray<string> All { get; }

    /// <summary>The output classes that may be spread over program instances (see <see cref="ParallelProblem"/>).</summary>
    public ImmutableArray<string> ParallelCandidates { get; }

    public static AxisClasses Of(TileKernel kernel) => new(kernel);

    /// <summary>The class (its representative) of an axis used by some computation.</summary>
    public string ClassOf(string axis) => _classOf.TryGetValue(axis, out var c) ? c
        : throw new Core.StrataException(Core.ErrorCode.InvalidIr, $"axis {axis} is used by no computation of @{Kernel.Name}", "use only axes of the kernel's computations", $"tile kernel @{Kernel.Name}");

    public bool IsUsed(string axis) => _classOf.ContainsKey(axis);

    public ImmutableArray<string> Members(string cls) => _members[cls];

    public long Extent(string cls) => Kernel.Axis(cls).Extent;

    /// <summary>Why class <paramref name="cls"/> cannot be parallel, or null if it can: every computation must have
    /// exactly one output index in the class, none of its members may be reduced, and every load of a buffer written in
    /// the kernel must index the writer's class dimension with exactly the loading computation's own class axis, so a
    /// program instance reads only elements it wrote itself.</summary>
    public string? ParallelProblem(string cls) => ParallelProblem(cls, WritersOf(Kernel));

    private string? ParallelProblem(string cls, Dictionary<string, List<Computation>> writers)
    {
        if (!_members.TryGetValue(cls, out var members)) return $"{cls} is not an axis class of @{Kernel.Name}";
        if (Reduce.Contains(cls)) return $"{cls} is a reduction axis";
        var inClass = members.ToHashSet(StringComparer.Ordinal);
        foreach (var c in Kernel.Computations)
        {
            int n = c.Indices.Count(inClass.Contains);
            if (n != 1)
                return n == 0 ? $"%{c.Output} is not indexed by {cls}" : $"%{c.Output} is indexed by {cls} more than once";
        }
        foreach (var c in Kernel.Computations)
        {
            string own = c.Indices.First(inClass.Contains);
            foreach (var load in ExprAnalysis.LoadsOf(c.Body))
            {
                if (!writers.TryGetValue(load.Buffer, out var ws)) continue;
                foreach (var w in ws)
                {
                    int d = w.Indices.IndexOf(w.Indices.First(inClass.Contains));
                    if (d >= load.Indices.Length || load.Indices[d] is not IndexVar v || v.Name != own)
                        return $"%{c.Output} reads %{load.Buffer} along dimension {d} with an index other than {own}, so a program instance would read elements another one writes";
                }
            }
        }
        return null;
    }

    private static Dictionary<string, List<Computation>> WritersOf(TileKernel kernel)
    {
        var writers = new Dictionary<string, List<Computation>>(StringComparer.Ordinal);
        foreach (var c in kernel.Computations)
        {
            if (!writers.TryGetValue(c.Output, out var l)) writers[c.Output] = l = [];
            l.Add(c);
        }
        return writers;
    }
}
