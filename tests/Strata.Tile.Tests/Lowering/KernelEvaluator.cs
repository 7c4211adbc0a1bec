using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Runs a Tile kernel element by element with <see cref="ScalarSemantics"/> (the lowering tests' own
/// evaluator until the Tile interpreter lands on main; it follows the same definition: each output element is
/// its computation's body at that point, reductions fold over their axes). Loads out of bounds throw.</summary>
internal sealed class KernelEvaluator : IOpsHandler<Scalar>
{
    private readonly Dictionary<string, Tensor> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _env = new(StringComparer.Ordinal);

    public static Dictionary<string, Tensor> Run(TileKernel kernel, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var ev = new KernelEvaluator();
        foreach (var b in kernel.Inputs)
        {
            var t = inputs[b.Name];
            if (t.DataType != b.ElementType || !t.Shape.Select(d => (long)d).SequenceEqual(b.Shape))
                throw new InvalidOperationException($"input %{b.Name} is {t}, expected {b.TypeText}");
            ev._buffers[b.Name] = t;
        }
        foreach (var b in kernel.Outputs.Concat(kernel.Temps))
            ev._buffers[b.Name] = TensorFactory.Create(b.ElementType, b.Shape.Select(d => checked((int)d)).ToArray());
        foreach (var c in kernel.Computations) ev.Compute(kernel, c);
        return kernel.Outputs.ToDictionary(b => b.Name, b => ev._buffers[b.Name]);
    }

    private void Compute(TileKernel kernel, Computation c)
    {
        var target = _buffers[c.Output];
        var extents = c.Indices.Select(a => kernel.Axis(a).Extent).ToArray();
        var reduce = c.Reduce?.Axes.Select(a => kernel.Axis(a).Extent).ToArray() ?? [];
        int n = target.Length;
        var idx = new long[extents.Length];
        for (int flat = 0; flat < n; flat++)
        {
            long rem = flat;
            for (int d = extents.Length - 1; d >= 0; d--) { idx[d] = rem % extents[d]; rem /= extents[d]; }
            for (int d = 0; d < idx.Length; d++) _env[c.Indices[d]] = idx[d];
            ScalarSemantics.Write(target, flat, c.Reduce is null ? c.Body.Accept(this) : Reduce(c, c.Reduce, reduce));
        }
    }

    private Scalar Reduce(Computation c, Reduction r, long[] extents)
    {
        var type = c.Body.Type;
        bool arg = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        Scalar acc = ScalarSemantics.ReduceInit(r.Op, type), best = default;
        long total = extents.Aggregate(1L, (p, e) => p * e), bestAt = 0;
        for (long k = 0; k < total; k++)
        {
            long rem = k;
            for (int d = extents.Length - 1; d >= 0; d--) { _env[r.Axes[d]] = rem % extents[d]; rem /= extents[d]; }
            var v = c.Body.Accept(this);
            if (!arg) acc = ScalarSemantics.ReduceStep(r.Op, type, acc, v);
            else if (k == 0 || ScalarSemantics.ArgReduceBetter(r.Op, type, best, v)) { best = v; bestAt = k; }
        }
        return arg ? Scalar.Int(bestAt) : acc;
    }

    public Scalar IndexVar(string name) => Scalar.Int(_env[name]);
    public Scalar Constant(Scalar value, DataType type) => value;

    public Scalar Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
    {
        var t = _buffers[buffer];
        long flat = 0;
        for (int d = 0; d < indices.Length; d++)
        {
            long i = indices[d].Accept(this).I;
            if (i < 0 || i >= t.Shape[d])
                throw new IndexOutOfRangeException($"load %{buffer} index {i} out of range in dim {d} (size {t.Shape[d]})");
            flat = flat * t.Shape[d] + i;
        }
        return ScalarSemantics.Read(t, checked((int)flat));
    }

    public Scalar Unary(UnaryOp op, Scalar x, DataType operandType) => ScalarSemantics.Unary(op, operandType, x);
    public Scalar Binary(BinaryOp op, Scalar a, Scalar b, DataType operandType) => ScalarSemantics.Binary(op, operandType, a, b);
    public Scalar Select(Scalar condition, Func<Scalar> ifTrue, Func<Scalar> ifFalse, DataType type) => condition.AsBool ? ifTrue() : ifFalse();
    public Scalar Cast(Scalar x, DataType from, DataType to) => ScalarSemantics.Cast(x, from, to);
}
