using System.Collections.Immutable;

namespace Strata.Tile.Passes;

/// <summary>Where an output is a plain copy of a temporary (<c>%out[n, c] = %t[n, c]</c>, typically a reduction's
/// result: pools, arg reductions), the computation that writes the temporary writes the output directly and the copy
/// and the temporary go: one pass over memory less, and one whole-tensor scratch buffer less in the runtime's arena.
/// Applies only when the temporary has the output's element type and shape, is read by nothing but the copy, and the
/// copy reads it at exactly the output's indices (a constant 0 stands for an index of extent 1).</summary>
public sealed class ForwardTempToOutput : ITilePass
{
    public string Name => "ForwardTempToOutput";

    public TileKernel Run(TileKernel kernel)
    {
        foreach (var copy in kernel.Computations)
        {
            if (copy.Reduce is not null || copy.Body is not Load load) continue;
            var output = kernel.Outputs.FirstOrDefault(o => o.Name == copy.Output);
            var temp = kernel.Temps.FirstOrDefault(t => t.Name == load.Buffer);
            if (output is null || temp is null || temp.ElementType != output.ElementType || !temp.Shape.SequenceEqual(output.Shape)) continue;
            if (!ReadsAtOwnIndices(kernel, copy, load)) continue;
            var writers = kernel.Computations.Where(c => c.Output == temp.Name).ToList();
            if (writers.Count != 1 || kernel.Computations.Count(c => c.Output == output.Name) != 1) continue;
            bool readElsewhere = kernel.Computations.Any(c => !ReferenceEquals(c, copy) && ExprWalk.LoadedBuffers(c.Body).Contains(temp.Name));
            if (readElsewhere) continue;
            var writer = writers[0];
            var comps = kernel.Computations.Where(c => !ReferenceEquals(c, copy))
                .Select(c => ReferenceEquals(c, writer) ? c with { Output = output.Name } : c).ToImmutableArray();
            return Run(kernel with { Temps = kernel.Temps.Remove(temp), Computations = comps });
        }
        return kernel;
    }

    private static bool ReadsAtOwnIndices(TileKernel kernel, Computation copy, Load load)
    {
        if (load.Indices.Length != copy.Indices.Length) return false;
        for (int d = 0; d < copy.Indices.Length; d++)
        {
            bool same = load.Indices[d] is IndexVar v && v.Name == copy.Indices[d];
            bool unit = load.Indices[d] is Constant { Value.I: 0 } && kernel.Axis(copy.Indices[d]).Extent == 1;
            if (!same && !unit) return false;
        }
        return true;
    }
}
