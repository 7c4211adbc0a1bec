using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>Re-lays out, at compile time, constant f32 weights of multi-axis contractions so the dot's [M, K] operand
/// is read in rows: a convolution's <c>%w[co, ci, kh, kw]</c> becomes <c>%w'[kh, kw, co, ci]</c> (the other dims in their
/// order, then M, then K — <see cref="DotShape.DefaultRoles"/>), so each (kh, kw) step packs its [co, ci] block with
/// contiguous vector loads instead of a stride-kh·kw gather. The kernel's buffer and every load of it are permuted
/// alike (always equivalent); the permuted tensor is a new graph constant bound to the step in place of the old one.
/// Skipped where K's dim is already innermost (up to trailing dims of extent 1, e.g. a 1×1 conv) and where the
/// contraction has no M axis.</summary>
public static class RelayoutContractionWeights
{
    public static TileProgram Run(TileProgram program)
    {
        var steps = program.Steps.Select(s => s is KernelStep k ? Relayout(program.Source, k) : s).ToImmutableArray();
        return program with { Steps = steps };
    }

    private static KernelStep Relayout(Graph.Graph graph, KernelStep step)
    {
        var kernel = step.Kernel;
        foreach (var c in kernel.Computations)
        {
            // Without M (a depthwise conv) the default is no dot (KnobSpace): the layout stays.
            if (DotShape.DefaultRoles(c, a => kernel.Axis(a).Extent) is not { M: not null } roles) continue;
            if (Strip(roles.X) is not Load load) continue;
            int i = kernel.Inputs.IndexOf(kernel.Inputs.FirstOrDefault(b => b.Name == load.Buffer)!);
            if (i < 0 || step.Inputs[i].Constant is not Tensor<float> weights) continue;
            if (Permutation(load, roles, kernel.Inputs[i].Shape) is not { } perm) continue;
            var value = graph.AddConstant(UniqueName(graph, step.Inputs[i].Name + "_rows"), Permute(weights, perm));
            kernel = Permute(kernel, load.Buffer, perm);
            return step with { Kernel = kernel, Inputs = step.Inputs.SetItem(i, value) };
        }
        return step;
    }

    private static Expr Strip(Expr e) => e is Select { IfTrue: Load t } ? t : e is Select { IfFalse: Load f } ? f : e;

    /// <summary>New dim order: the dims indexed by neither M nor K, then M's, then K's; null where K's dim is
    /// innermost already (up to trailing dims of extent 1) or the load does not index M and K by a plain axis.</summary>
    private static int[]? Permutation(Load load, DotRoles roles, ImmutableArray<long> shape)
    {
        int dk = load.Indices.IndexOf(load.Indices.FirstOrDefault(e => e is IndexVar v && v.Name == roles.K)!);
        if (dk < 0 || Enumerable.Range(dk + 1, shape.Length - dk - 1).All(d => shape[d] == 1)) return null;
        int dm = roles.M is null ? -1 : load.Indices.IndexOf(load.Indices.FirstOrDefault(e => e is IndexVar v && v.Name == roles.M)!);
        var order = Enumerable.Range(0, shape.Length).Where(d => d != dk && d != dm).ToList();
        if (dm >= 0) order.Add(dm);
        order.Add(dk);
        return [.. order];
    }

    private static string UniqueName(Graph.Graph graph, string name)
    {
        var taken = graph.DefinedValues().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        string n = name;
        for (int i = 1; taken.Contains(n); i++) n = $"{name}{i}";
        return n;
    }

    /// <summary>The tensor with dims reordered: result dim j is source dim perm[j].</summary>
    private static Tensor<float> Permute(Tensor<float> t, int[] perm)
    {
        var shape = t.Shape;
        var outShape = perm.Select(p => shape[p]).ToArray();
        var strides = new long[shape.Length];
        for (int d = shape.Length - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = s;
        var src = t.Span;
        var dst = new float[t.Length];
        var idx = new int[outShape.Length];
        for (int o = 0; o < dst.Length; o++)
        {
            long off = 0;
            for (int j = 0; j < idx.Length; j++) off += idx[j] * strides[perm[j]];
            dst[o] = src[(int)off];
            for (int j = idx.Length - 1; j >= 0 && ++idx[j] == outShape[j]; j--) idx[j] = 0;
        }
        return new Tensor<float>(dst, outShape);
    }

    private static TileKernel Permute(TileKernel kernel, string buffer, int[] perm)
    {
        var rebuilder = new LoadPermuter(buffer, perm);
        return kernel with
        {
            Inputs = [.. kernel.Inputs.Select(b => b.Name == buffer ? b with { Shape = [.. perm.Select(p => b.Shape[p])] } : b)],
            Computations = [.. kernel.Computations.Select(c => c with { Body = rebuilder.Rebuild(c.Body) })],
        };
    }

    private sealed class LoadPermuter(string buffer, int[] perm) : ExprRebuilder
    {
        public override Expr Load(string name, ImmutableArray<Expr> indices, DataType elementType)
        {
            var rebuilt = indices.Select(Rebuild).ToArray();
            return name == buffer ? new Load(name, [.. perm.Select(p => rebuilt[p])], elementType) : new Load(name, [.. rebuilt], elementType);
        }
    }
}
