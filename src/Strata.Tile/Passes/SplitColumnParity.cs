using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>A value that contractions read only at stride 2 along its innermost dim (a stride-2 conv's padded input,
/// <see cref="PrePadConvInput"/>: <c>x[.., 2·ow + kw]</c>) is stored split by column parity instead: its producer (one
/// kernel step, one computation, no reduction) writes <c>x'[.., w mod 2, w div 2]</c> (innermost axis <c>w</c> of even
/// extent replaced by axes of extents 2 and w/2, <c>w = 2·j + p</c>), and every load <c>x[.., 2·a + t]</c> becomes
/// <c>x'[.., t mod 2, a + t div 2]</c> (exact for any integer t). Each tap's row then is a unit-stride run along
/// <c>a</c> that the micro-kernel reads in place, instead of a strided (deinterleaving) pack per program. Skipped where
/// the value is a graph output, another step reads it, any load of it is not of that form, or a reader reduces over
/// more than one axis (a conv whose taps are not merged into K).
/// Measured, 1 thread CPU (with SplitDigitLoops keeping the halved kw a division of its own loop): inception_v2's and
/// resnet50's 7×7/2 stems 2.26–2.31 → 2.11–2.21 ms, their Pad kernels 0.09–0.11 → 0.08.</summary>
public static class SplitColumnParity
{
    public static TileProgram Run(TileProgram program)
    {
        var steps = program.Steps.ToList();
        var derived = program.Derived.ToBuilder();
        for (int at = 0; at < steps.Count; at++)
            if (steps[at] is KernelStep producer)
                foreach (var value in producer.Outputs)
                    if (TrySplit(program.Source, steps, at, value, derived)) break;
        return program with { Steps = [.. steps], Derived = derived.ToImmutable() };
    }

    private static bool TrySplit(Graph.Graph graph, List<ProgramStep> steps, int at, Value value,
        ImmutableDictionary<Value, DerivedValue>.Builder derived)
    {
        var producer = (KernelStep)steps[at];
        if (value.TensorType is not { Shape: { } vs } type || !vs.IsFullyKnown || graph.Outputs.Contains(value)) return false;
        var output = producer.Kernel.Outputs[producer.Outputs.IndexOf(value)];
        int rank = output.Shape.Length;
        if (rank < 2 || output.Shape[^1] % 2 != 0 || output.Shape[^1] < 4) return false;
        if (producer.Kernel.Computations is not [{ Reduce: null } comp] || comp.Output != output.Name) return false;
        string w = comp.Indices[^1];
        if (comp.Indices.Count(i => i == w) != 1) return false;
        // Every reader: a kernel step with a contraction whose every load of the value is at 2·a + t innermost.
        var readers = new List<(int Step, int Input)>();
        for (int s = 0; s < steps.Count; s++)
        {
            if (steps[s] is FallbackStep f && f.Node.Inputs.Any(v => ReferenceEquals(v, value))) return false;
            if (steps[s] is not KernelStep k || s == at) continue;
            for (int i = 0; i < k.Inputs.Length; i++)
                if (ReferenceEquals(k.Inputs[i], value))
                {
                    if (!k.Kernel.Computations.Any(c => c.Reduce is not null)) return false;
                    // Only im2col convs (taps merged into one K axis, MergeContractionTaps: narrow inputs, stems), whose
                    // micro-kernel reads each K row of the input in place once split. Convs with separate tap axes gained
                    // nothing (resnet50's 3×3/2 128→128 and up) and their Pad kernels, writing a split copy of a wide
                    // input with stride-2 loads, took 0.08 ms more each.
                    if (k.Kernel.Computations.Any(c => c.Reduce is { Axes.Length: > 1 })) return false;
                    var name = k.Kernel.Inputs[i].Name;
                    if (!k.Kernel.Inputs[i].Shape.SequenceEqual(output.Shape)) return false;
                    var loads = k.Kernel.Computations.SelectMany(c => ExprWalk.PreOrder(c.Body)).OfType<Load>().Where(l => l.Buffer == name).ToList();
                    if (loads.Count == 0 || !loads.All(l => Stride2(l.Indices[^1], k.Kernel) is not null)) return false;
                    readers.Add((s, i));
                }
        }
        if (readers.Count == 0) return false;

        long half = output.Shape[^1] / 2;
        ImmutableArray<long> split = [.. output.Shape.Take(rank - 1), 2, half];
        // A name of its own: the value no longer holds the graph value's layout (strata check finds its reference
        // through the recorded relayout, not by name).
        var splitValue = new Value(GraphNames.Unique(graph, value.Name + "_split"), new TensorType(type.ElementType, Shape.Of([.. split])));
        derived[splitValue] = DerivedValue.SplitParity(value, splitValue, output.Shape);
        // The writer: axis w (extent 2·half) becomes p (2) and j (half), w = 2·j + p.
        string p = producer.Kernel.UniqueAxisName(w + "_parity"), j = producer.Kernel.UniqueAxisName(w + "_half");
        var wExpr = new Binary(BinaryOp.Add, new Binary(BinaryOp.Mul, new IndexVar(j), Expr.Index(2)), new IndexVar(p));
        var body = new AxisSubstituter(new Dictionary<string, Expr> { [w] = wExpr }).Rebuild(comp.Body);
        var writer = producer.Kernel with
        {
            Outputs = [.. producer.Kernel.Outputs.Select(b => b.Name == output.Name ? b with { Shape = split } : b)],
            Axes = [.. producer.Kernel.Axes.SelectMany(a => a.Name == w ? new[] { new Axis(p, 2), new Axis(j, half) } : [a])],
            Computations = [comp with { Indices = [.. comp.Indices.Take(rank - 1), p, j], Body = body }],
        };
        steps[at] = producer with { Kernel = new SimplifyIndices().Run(writer), Outputs = [.. producer.Outputs.Select(v => ReferenceEquals(v, value) ? splitValue : v)] };
        foreach (var (s, i) in readers)
        {
            var k = (KernelStep)steps[s];
            var name = k.Kernel.Inputs[i].Name;
            var reader = k.Kernel with
            {
                Inputs = [.. k.Kernel.Inputs.Select(b => b.Name == name ? b with { Shape = split } : b)],
                Computations = [.. k.Kernel.Computations.Select(c => c with { Body = new SplitLoads(name, k.Kernel).Rebuild(c.Body) })],
            };
            steps[s] = k with { Kernel = new SimplifyIndices().Run(reader), Inputs = k.Inputs.SetItem(i, splitValue) };
        }
        return true;
    }

    /// <summary>(a, t) where <paramref name="e"/> is <c>2·a + t</c> (or <c>2·a</c>, t = 0) with a an axis of the kernel
    /// that t does not read; null otherwise.</summary>
    internal static (string A, Expr T)? Stride2(Expr e, TileKernel kernel)
    {
        static string? Twice(Expr x) => x switch
        {
            Binary { Op: BinaryOp.Mul, A: IndexVar v, B: Constant { Value: var c, ConstantType: DataType.Int64 } } when c.I == 2 => v.Name,
            Binary { Op: BinaryOp.Mul, A: Constant { Value: var c, ConstantType: DataType.Int64 }, B: IndexVar v } when c.I == 2 => v.Name,
            _ => null,
        };
        (string, Expr)? found = e switch
        {
            Binary { Op: BinaryOp.Add, A: var x, B: var t } when Twice(x) is { } a => (a, t),
            Binary { Op: BinaryOp.Add, A: var t, B: var x } when Twice(x) is { } a => (a, t),
            _ when Twice(e) is { } a => (a, Expr.Index(0)),
            _ => null,
        };
        if (found is not var (axis, rest) || !kernel.Axes.Any(ax => ax.Name == axis)) return null;
        if (ExprWalk.PreOrder(rest).Any(x => x is IndexVar v && v.Name == axis)) return null;
        return found;
    }

    private sealed class SplitLoads(string buffer, TileKernel kernel) : ExprRebuilder
    {
        public override Expr Load(string name, ImmutableArray<Expr> indices, DataType elementType)
        {
            var rebuilt = indices.Select(Rebuild).ToArray();
            if (name != buffer) return new Load(name, [.. rebuilt], elementType);
            var (a, t) = Stride2(indices[^1], kernel)!.Value;
            var parity = new Binary(BinaryOp.Mod, t, Expr.Index(2));
            var column = new Binary(BinaryOp.Add, new IndexVar(a), new Binary(BinaryOp.FloorDiv, t, Expr.Index(2)));
            return new Load(name, [.. rebuilt.Take(rebuilt.Length - 1), parity, column], elementType);
        }
    }
}
