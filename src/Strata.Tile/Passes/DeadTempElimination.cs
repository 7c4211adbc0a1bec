using System.Collections.Immutable;

namespace Strata.Tile.Passes;

/// <summary>Removes computations whose results no output depends on, the temporaries only they wrote, and axes no
/// computation uses. (Lowerings may compute values nobody reads, e.g. an unused second output of an op.)</summary>
public sealed class DeadTempElimination : ITilePass
{
    public string Name => "DeadTempElimination";

    public TileKernel Run(TileKernel kernel)
    {
        var live = kernel.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var keep = new bool[kernel.Computations.Length];
        for (int i = kernel.Computations.Length - 1; i >= 0; i--)
        {
            var c = kernel.Computations[i];
            if (!live.Contains(c.Output)) continue;
            keep[i] = true;
            foreach (var b in ExprWalk.LoadedBuffers(c.Body)) live.Add(b);
        }
        if (keep.All(k => k) && kernel.Temps.All(t => live.Contains(t.Name)) && AllAxesUsed(kernel)) return kernel;
        var comps = kernel.Computations.Where((_, i) => keep[i]).ToImmutableArray();
        var temps = kernel.Temps.Where(t => live.Contains(t.Name)).ToImmutableArray();
        var used = comps.SelectMany(AxesOf).ToHashSet(StringComparer.Ordinal);
        var axes = kernel.Axes.Where(a => used.Contains(a.Name)).ToImmutableArray();
        return kernel with { Temps = temps, Axes = axes, Computations = comps };
    }

    private static bool AllAxesUsed(TileKernel kernel)
    {
        var used = kernel.Computations.SelectMany(AxesOf).ToHashSet(StringComparer.Ordinal);
        return kernel.Axes.All(a => used.Contains(a.Name));
    }

    private static IEnumerable<string> AxesOf(Computation c) => c.Reduce is null ? c.Indices : c.Indices.Concat(c.Reduce.Axes);
}

/// <summary>Removes input buffers that no computation loads (e.g. a tensor an op used only for its shape). The
/// program step that runs the kernel is re-bound by buffer name, so the value is no longer passed.</summary>
public sealed class PruneInputs : ITilePass
{
    public string Name => "PruneInputs";

    public TileKernel Run(TileKernel kernel)
    {
        var loaded = kernel.Computations.SelectMany(c => ExprWalk.LoadedBuffers(c.Body)).ToHashSet(StringComparer.Ordinal);
        if (kernel.Inputs.All(i => loaded.Contains(i.Name))) return kernel;
        return kernel with { Inputs = [.. kernel.Inputs.Where(i => loaded.Contains(i.Name))] };
    }
}
