using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>Re-lays out, at compile time, a constant f32 [K, N] operand of a single-axis contraction (a MatMul's or
/// Gemm's weight, after <see cref="RelayoutContractionWeights"/> made it [K, N]) in panels of
/// <see cref="KnobSpace.PanelWidth"/> columns contiguous over K: <c>%w'[n / P, k, n % P]</c>, the last panel padded
/// with zeros. Read in place, such a B has rows a whole N apart (12 KiB at N = 3072): every row of a k block maps to
/// the same L1 sets and the prefetchers do not follow the stride; in panels a micro-tile streams one contiguous
/// block, as a run-time pack would lay it out, without the copy. Every load of the buffer is re-indexed alike
/// (always equivalent); the Machine lowering reads a panel's row segment as one vector where it can prove the
/// segment lies in one panel (block and tile starts are multiples of the vector width, P a multiple of it).
/// Only where there is more than one panel of columns (N ≤ P is a panel already). A single row (M = 1) times a
/// [K, N] weight takes panels too: read in place, its micro-tile took 256 bytes of each B row a whole N apart; in
/// panels each program streams contiguous blocks. Measured on the Intel Xeon host (1 thread, two sessions in one
/// process, both creation orders, geometric mean of the paired-median ratios): MatMul [1×4096]·[4096×4096] 1.18 times
/// as fast; [1×768]·[768×768], whose weight stays in L2, unchanged (0.99–1.01). A transB weight with M = 1 keeps
/// [N, K] for the GEMV default (<see cref="RelayoutContractionWeights"/>) and never reaches the [K, N] test below.
/// A convolution that takes its channels as the dot's columns (<see cref="DotShape.WantsChannelColumns"/>: short or
/// strided output rows) has its weight as [kh, kw, ci, co] — B's rows a whole co apart (2 KiB at co = 512: a K block
/// of 128 rows × 4 lines lands on 8 L1 sets) — and gets the same panels over all its leading dims,
/// <c>%w'[co / P, kh, kw, ci, co % P]</c> (<see cref="DotShape.ChannelColumns"/> reads the decision from either form).
/// Measured on resnet50 (1 thread, thread CPU, two alternations with main): the 7×7-plane 3×3 512→512 convs
/// 2.8–3.0 → 2.4–2.5 ms, the 3×3/2 from 14×14 3.1 → 2.4, the 1×1 2048→512 1.36–1.43 → 1.08–1.12, the 1×1/2
/// 1024→2048 2.8 → 2.3, the 14×14 3×3 256→256 2.45–2.55 → 2.2–2.3; the model 95.0 / 95.8 → 91.2 / 87.7 ms.
/// A conv's co that is no multiple of 64 takes panels as wide as its N block (<see cref="KnobSpace.ChannelColumnsPanelWidth"/>:
/// 160 → 80, 224 → 112). Measured on inception_v2 (1 thread, thread CPU, medians of three alternations with main,
/// with the panel loads proven in bounds, MachineEmitter.FloorDiv): the 3×3 160→160 on 14×14 0.94 → 0.88 ms, 128→160
/// 0.77–0.81 → 0.72–0.75, the 7×7 224→224 0.55–0.56 → 0.50–0.51, 192→224 0.50 → 0.44.</summary>
public static class PanelContractionWeights
{
    public static TileProgram Run(TileProgram program)
    {
        var steps = program.Steps.ToList();
        for (int i = 0; i < steps.Count; i++)
            if (steps[i] is KernelStep k && Apply(program.Source, k) is { } applied) steps[i] = applied;
        return program with { Steps = [.. steps] };
    }

    private static KernelStep? Apply(Graph.Graph graph, KernelStep step)
    {
        var kernel = step.Kernel;
        if (kernel.Computations.Count(c => c.Reduce is not null) != 1) return null;
        var c = kernel.Computations.Single(x => x.Reduce is not null);
        if (c.Reduce is not { Axes.Length: > 0 } r) return null;
        if (DotShape.Roles(c, a => kernel.Axis(a).Extent) is not { } roles) return null;
        // A matmul's B reads [k, n]; a channels-as-columns conv's weight (RelayoutContractionWeights) [kh, kw, ci, co]:
        // every dim but the last indexed by reduction axes alone (or constants), the last by N itself. A single row's
        // M (extent 1, read at index 0) is no role: only a matmul takes panels without one.
        bool conv = DotShape.IsMultiTap(c);
        if (conv && (!roles.Transposed || roles.M is not { } m || kernel.Axis(m).Extent <= 1)) return null;
        if (DotShape.LoadOf(roles.Y) is not { Indices.Length: >= 2 } y || y.Indices[^1] is not IndexVar nv || nv.Name != roles.N) return null;
        if (conv ? !y.Indices[..^1].All(e => ExprAnalysis.AxesOf(e).All(r.Axes.Contains))
            : y.Indices is not [IndexVar kv, _] || kv.Name != roles.K) return null;
        int i = kernel.Inputs.IndexOf(kernel.Inputs.FirstOrDefault(b => b.Name == y.Buffer)!);
        if (i < 0 || step.Inputs[i].Constant is not Tensor<float> weights) return null;
        var dims = kernel.Inputs[i].Shape;
        long n = dims[^1], k = dims[..^1].Aggregate(1L, (a, d) => a * d);
        // A conv's co that is no multiple of 64 takes panels as wide as its N block (KnobSpace.ChannelColumnsPanelWidth:
        // 160 → 80), or none where no block of whole vectors divides it (inception_v1's 208 = 13·16 takes a masked
        // last N block: its masked B the micro-kernel packs per step, and through the panels' floordiv/mod element by
        // element (that 3×3 96→208 conv: 0.98 → 5.6 ms).
        if ((conv ? KnobSpace.ChannelColumnsPanelWidth(n) : KnobSpace.PanelWidth) is not { } p || n <= p) return null;
        weights = weights.Reshape([(int)k, (int)n]);
        var value = graph.AddConstant(GraphNames.Unique(graph, step.Inputs[i].Name + "_panels"), Panels(weights, (int)p));
        long panels = (n + p - 1) / p;
        return step with
        {
            Kernel = kernel with
            {
                Inputs = kernel.Inputs.SetItem(i, kernel.Inputs[i] with { Shape = [panels, .. dims[..^1], p] }),
                Computations = [.. kernel.Computations.Select(x => x with { Body = new PanelLoads(y.Buffer, p).Rebuild(x.Body) })],
            },
            Inputs = step.Inputs.SetItem(i, value),
        };
    }

    /// <summary>[K, N] as [⌈N/P⌉, K, P]: element (k, n) at (n / P, k, n % P), zeros past N in the last panel.</summary>
    public static Tensor<float> Panels(Tensor<float> w, int p)
    {
        int k = w.Shape[0], n = w.Shape[1], panels = (n + p - 1) / p;
        var src = w.Span;
        var dst = new float[(long)panels * k * p];
        for (int r = 0; r < k; r++)
            for (int j = 0; j < n; j++)
                dst[((long)(j / p) * k + r) * p + j % p] = src[r * n + j];
        return new Tensor<float>(dst, [panels, k, p]);
    }

    private sealed class PanelLoads(string buffer, long p) : ExprRebuilder
    {
        public override Expr Load(string name, ImmutableArray<Expr> indices, DataType elementType)
        {
            var rebuilt = indices.Select(Rebuild).ToArray();
            if (name != buffer) return new Load(name, [.. rebuilt], elementType);
            var n = rebuilt[^1];
            return new Load(name, [new Binary(BinaryOp.FloorDiv, n, Expr.Index(p)), .. rebuilt[..^1], new Binary(BinaryOp.Mod, n, Expr.Index(p))], elementType);
        }
    }
}
