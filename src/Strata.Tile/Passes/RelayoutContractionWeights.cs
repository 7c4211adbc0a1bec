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
/// contraction has no M axis. Likewise the [K, N] operand of any contraction (a Gemm with transB, a Linear layer's
/// <c>%w[n, k]</c>) becomes <c>%w'[k, n]</c> where it is a constant, so the dot reads its rows in place along N (the
/// vector dim) instead of packing a transposed block per step — except for a single row (M of extent 1), which keeps
/// [N, K] for the GEMV default. A conv weight that is no graph constant yet but the only
/// use of a kernel reading only constants (a <c>ConstantOfShape</c>, a Transpose too large for graph folding: the
/// runtime folds such kernels once) is re-laid out by permuting that kernel's output layout instead.</summary>
public static class RelayoutContractionWeights
{
    public static TileProgram Run(TileProgram program, TapMerging mergeTaps = TapMerging.Default)
    {
        var steps = program.Steps.ToList();
        var derived = program.Derived.ToBuilder();
        for (int i = 0; i < steps.Count; i++)
            if (steps[i] is KernelStep k) steps[i] = Relayout(program.Source, k, steps, mergeTaps, derived);
        return program with { Steps = [.. steps], Derived = derived.ToImmutable() };
    }

    private static KernelStep Relayout(Graph.Graph graph, KernelStep step, List<ProgramStep> steps, TapMerging mergeTaps,
        ImmutableDictionary<Value, DerivedValue>.Builder derived)
    {
        // im2col first (the weight's [ci, kh, kw] read as one K dim): the layouts below are then the merged GEMM's.
        if (MergeContractionTaps.Apply(step.Kernel, mergeTaps) is var merged && !ReferenceEquals(merged, step.Kernel)) step = step with { Kernel = merged };
        // Without M (a depthwise conv) the default is no dot (KnobSpace): the [M, K] layout stays.
        foreach (var c in step.Kernel.Computations)
            if (DotShape.DefaultRoles(c, a => step.Kernel.Axis(a).Extent) is { M: not null } roles
                && DotShape.LoadOf(roles.X) is { } x
                // Channels as the dot's columns (short or strided output rows): [kh, kw, ci, co], rows along N.
                && (DotShape.WantsChannelColumns(c, roles, a => step.Kernel.Axis(a).Extent)
                    ? Permutation(x, roles.K, roles.M, step.Kernel) : Permutation(x, roles.M, roles.K, step.Kernel)) is { } perm)
            {
                step = Apply(graph, step, x.Buffer, perm, "_rows") is { } applied ? applied
                    : ApplyToProducer(graph, step, x.Buffer, perm, steps, derived);
                break;
            }
        // A single row (no M, or M of extent 1: an FC layer at batch 1) keeps [N, K]: KnobSpace's GEMV default streams
        // each contiguous weight row whole; over [K, N] its blocks read many strided rows at once (alexnet fc6-8 at
        // 1 thread: 4.9 / 1.9 / 1.4 ms CPU as [N, K], 7.1 / 3.1 / 1.7 as [K, N]).
        foreach (var c in step.Kernel.Computations)
            if (DotShape.Roles(c, a => step.Kernel.Axis(a).Extent) is { } roles
                && roles.M is { } m && step.Kernel.Axis(m).Extent > 1
                && DotShape.LoadOf(roles.Y) is { } y && Permutation(y, roles.K, roles.N, step.Kernel) is { } perm)
            {
                step = Apply(graph, step, y.Buffer, perm, "_cols") ?? step;
                break;
            }
        return step;
    }

    /// <summary>The step with its constant f32 input <paramref name="buffer"/> permuted (a new graph constant) and every
    /// load of it re-indexed alike; null where the input is not such a constant.</summary>
    private static KernelStep? Apply(Graph.Graph graph, KernelStep step, string buffer, int[] perm, string suffix)
    {
        var kernel = step.Kernel;
        int i = kernel.Inputs.IndexOf(kernel.Inputs.FirstOrDefault(b => b.Name == buffer)!);
        if (i < 0 || step.Inputs[i].Constant is not Tensor<float> weights) return null;
        // A pass may have merged the buffer's dims (MergeContractionTaps: [co, ci, kh, kw] read as [co, k]): same elements.
        var dims = kernel.Inputs[i].Shape;
        if (!weights.Shape.ToArray().Select(d => (long)d).SequenceEqual(dims)) weights = weights.Reshape([.. dims.Select(d => (int)d)]);
        var value = graph.AddConstant(GraphNames.Unique(graph, step.Inputs[i].Name + suffix), Permute(weights, perm));
        return step with { Kernel = Permute(kernel, buffer, perm), Inputs = step.Inputs.SetItem(i, value) };
    }

    /// <summary>New dim order: the dims indexed by neither <paramref name="outer"/> nor <paramref name="inner"/>, then
    /// outer's, then inner's; null where inner's dim is innermost already (up to trailing dims of extent 1), where the
    /// load does not index inner by a plain axis, or where it is not a kernel input.</summary>
    private static int[]? Permutation(Load load, string? outer, string inner, TileKernel kernel)
    {
        if (kernel.Inputs.FirstOrDefault(b => b.Name == load.Buffer) is not { } input) return null;
        var shape = input.Shape;
        int di = load.Indices.IndexOf(load.Indices.FirstOrDefault(e => e is IndexVar v && v.Name == inner)!);
        if (di < 0 || Enumerable.Range(di + 1, shape.Length - di - 1).All(d => shape[d] == 1)) return null;
        int dout = outer is null ? -1 : load.Indices.IndexOf(load.Indices.FirstOrDefault(e => e is IndexVar v && v.Name == outer)!);
        var order = Enumerable.Range(0, shape.Length).Where(d => d != di && d != dout).ToList();
        if (dout >= 0) order.Add(dout);
        order.Add(di);
        return [.. order];
    }

    /// <summary>The step reading <paramref name="buffer"/> permuted, where its value is an f32 output of an earlier kernel
    /// step that reads only graph constants and no other step nor the graph's outputs use: that kernel writes the value
    /// permuted (its computations index the output in the new dim order) and the value is replaced by one of the
    /// permuted type in both steps. The step itself otherwise.</summary>
    private static KernelStep ApplyToProducer(Graph.Graph graph, KernelStep step, string buffer, int[] perm, List<ProgramStep> steps,
        ImmutableDictionary<Value, DerivedValue>.Builder derived)
    {
        int i = step.Kernel.Inputs.IndexOf(step.Kernel.Inputs.FirstOrDefault(b => b.Name == buffer)!);
        if (i < 0 || step.Inputs[i] is not { TensorType: { ElementType: DataType.Float32 } type } value || graph.Outputs.Contains(value)) return step;
        int at = steps.FindIndex(s => s is KernelStep k && k.Outputs.Contains(value));
        if (at < 0 || steps[at] is not KernelStep producer || !producer.Inputs.All(v => v.IsConstant)) return step;
        if (steps.Count(s => Reads(s, value)) != 1 || step.Inputs.Count(v => ReferenceEquals(v, value)) != 1) return step;
        var output = producer.Kernel.Outputs[producer.Outputs.IndexOf(value)];
        if (type.Shape?.ToConcrete() is not { } shape || !shape.Select(d => (long)d).SequenceEqual(output.Shape)) return step;
        // The reader may see the value with dims merged (MergeContractionTaps: [co, ci, kh, kw] as [co, k]): the writer
        // and the value permute the groups of dims that make up the reader's dims.
        if (Expand(output.Shape, step.Kernel.Inputs[i].Shape, perm) is not { } full) return step;
        var readerPerm = perm;
        perm = full;
        var permuted = new Value(GraphNames.Unique(graph, value.Name + "_permuted"), new TensorType(DataType.Float32, Shape.Of([.. perm.Select(p => (long)shape[p])])));
        derived[permuted] = DerivedValue.Permute(value, permuted, output.Shape, perm);
        var writer = Permute(producer.Kernel, output.Name, perm);
        writer = writer with
        {
            Outputs = [.. writer.Outputs.Select(b => b.Name == output.Name ? b with { Shape = [.. perm.Select(p => b.Shape[p])] } : b)],
            Computations = [.. writer.Computations.Select(c => c.Output == output.Name ? c with { Indices = [.. perm.Select(p => c.Indices[p])] } : c)],
        };
        steps[at] = producer with { Kernel = writer, Outputs = [.. producer.Outputs.Select(v => ReferenceEquals(v, value) ? permuted : v)] };
        return step with { Kernel = Permute(step.Kernel, buffer, readerPerm), Inputs = step.Inputs.SetItem(i, permuted) };
    }

    /// <summary>The permutation of <paramref name="shape"/>'s dims that permutes, by <paramref name="perm"/>, the groups of
    /// consecutive dims whose products are <paramref name="merged"/>'s dims; null where no such grouping exists.</summary>
    private static int[]? Expand(ImmutableArray<long> shape, ImmutableArray<long> merged, int[] perm)
    {
        if (shape.SequenceEqual(merged)) return perm;
        var groups = new List<int[]>();
        int d = 0;
        foreach (long m in merged)
        {
            var g = new List<int>();
            long p = 1;
            while (d < shape.Length && (p < m || g.Count == 0))
            {
                p *= shape[d];
                g.Add(d++);
            }
            if (p != m) return null;
            groups.Add([.. g]);
        }
        if (d != shape.Length) return null;
        return [.. perm.SelectMany(j => groups[j])];
    }

    private static bool Reads(ProgramStep s, Value v) => s switch
    {
        KernelStep k => k.Inputs.Any(x => ReferenceEquals(x, v)),
        FallbackStep f => f.Node.Inputs.Any(x => ReferenceEquals(x, v)),
        _ => false,
    };

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
