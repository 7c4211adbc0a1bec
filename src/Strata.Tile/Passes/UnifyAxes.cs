using System.Collections.Immutable;

namespace Strata.Tile.Passes;

/// <summary>Gives linked computations the same axis names, so that one knob (<c>block.m</c>, <c>order</c>, …) applies
/// across a matmul and its epilogue. Fusion declares fresh axes for every computation; when a computation loads a
/// temporary at a bare index variable (<c>%acc[i, j]</c>), that variable and the producer's axis at that position
/// are one dimension. Classes are merged with union-find in computation order; a merge is skipped when the extents
/// differ or when it would give one computation two axes of the same class (e.g. <c>%t[j, i]</c> read inside a
/// computation over <c>i, j</c> after <c>i</c> was already linked). Each class takes the name of its first-declared
/// axis; axes left unused are dropped. Elementwise computations that load one input at the same bare index variables
/// are linked the same way (see below). Renaming is injective within every computation, so meaning is unchanged.</summary>
public sealed class UnifyAxes : ITilePass
{
    public string Name => "UnifyAxes";

    public TileKernel Run(TileKernel kernel)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < kernel.Axes.Length; i++) index.TryAdd(kernel.Axes[i].Name, i);
        var parent = Enumerable.Range(0, kernel.Axes.Length).ToArray();
        var users = Enumerable.Range(0, kernel.Axes.Length).Select(_ => new SortedSet<int>()).ToArray();
        var comps = kernel.Computations;
        for (int c = 0; c < comps.Length; c++)
            foreach (var a in AxesOf(comps[c]))
                if (index.TryGetValue(a, out var ai)) users[ai].Add(c);

        var writers = comps.Select((c, i) => (c.Output, i)).GroupBy(p => p.Output)
            .Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var temps = kernel.Temps.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        for (int c = 0; c < comps.Length; c++)
        {
            var own = AxesOf(comps[c]).ToHashSet(StringComparer.Ordinal);
            foreach (var load in ExprWalk.PreOrder(comps[c].Body).OfType<Load>())
            {
                if (!temps.Contains(load.Buffer) || !writers.TryGetValue(load.Buffer, out var p) || p == c) continue;
                var producer = comps[p];
                for (int d = 0; d < load.Indices.Length && d < producer.Indices.Length; d++)
                    if (load.Indices[d] is IndexVar v && own.Contains(v.Name)
                        && index.TryGetValue(v.Name, out var vi) && index.TryGetValue(producer.Indices[d], out var pi))
                        Union(pi, vi);
            }
        }

        // Elementwise computations that load one buffer the kernel does not write at the same bare index variables
        // walk that buffer in step (a Concat written out and read again by a fused BatchNorm + Relu): one name per
        // dimension lets them share blocks, loops and the parallel split. Left unlinked, no axis class indexes every
        // computation, so nothing can be parallel and the kernel runs as one program.
        var written = comps.Select(c => c.Output).ToHashSet(StringComparer.Ordinal);
        var elementwise = Enumerable.Range(0, comps.Length).Where(c => comps[c].Reduce is null).ToArray();
        foreach (int c in elementwise)
            foreach (int o in elementwise.Where(o => o > c))
                foreach (var a in ExprWalk.PreOrder(comps[c].Body).OfType<Load>().Where(l => !written.Contains(l.Buffer)))
                    foreach (var b in ExprWalk.PreOrder(comps[o].Body).OfType<Load>().Where(l => l.Buffer == a.Buffer))
                        for (int d = 0; d < a.Indices.Length && d < b.Indices.Length; d++)
                            if (a.Indices[d] is IndexVar va && b.Indices[d] is IndexVar vb
                                && index.TryGetValue(va.Name, out var ai) && index.TryGetValue(vb.Name, out var bi))
                                Union(ai, bi);

        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < kernel.Axes.Length; i++)
            if (Find(i) != i) renames[kernel.Axes[i].Name] = kernel.Axes[Find(i)].Name;
        if (renames.Count == 0) return kernel;

        var renamer = new AxisRenamer(renames);
        var newComps = comps.Select(c => c with
        {
            Indices = [.. c.Indices.Select(Rename)],
            Reduce = c.Reduce is null ? null : c.Reduce with { Axes = [.. c.Reduce.Axes.Select(Rename)] },
            Body = renamer.Rebuild(c.Body),
        }).ToImmutableArray();
        var axes = kernel.Axes.Where(a => !renames.ContainsKey(a.Name)).ToImmutableArray();
        return kernel with { Axes = axes, Computations = newComps };

        string Rename(string a) => renames.GetValueOrDefault(a) ?? a;

        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }

        void Union(int a, int b)
        {
            int ra = Find(a), rb = Find(b);
            if (ra == rb || kernel.Axes[ra].Extent != kernel.Axes[rb].Extent || users[ra].Overlaps(users[rb])) return;
            if (rb < ra) (ra, rb) = (rb, ra);
            parent[rb] = ra;
            users[ra].UnionWith(users[rb]);
        }
    }

    private static IEnumerable<string> AxesOf(Computation c) => c.Reduce is null ? c.Indices : c.Indices.Concat(c.Reduce.Axes);
}
