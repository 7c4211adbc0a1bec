using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Block.Passes;

/// <summary>Whether the lanes that a mask turns off in a loaded block can be observed. A pass that replaces a masked load
/// of scratch by the value stored there under the same mask changes exactly those lanes (the load gave its other
/// value there, the stored block has what was computed): legal where every use of the load ends in stores under a mask
/// that leaves out the same lanes.
/// <para>Two kinds of mask are followed. Any mask: through elementwise ops of the load's own shape into stores under
/// that very mask. A row mask, <c>lt(reshape(arange(s, n)), bound)</c> with every dim but the arange's 1 (a block of
/// rows that overhangs the tensor: softmax or LayerNorm over 197 rows in blocks of 16): the off lanes are whole rows,
/// so they are followed by position through elementwise ops (broadcasting within the rank), reductions along other
/// axes (a row's sum is off where the row is), and into stores under any row mask of the same arange, bound and
/// position.</para></summary>
internal static class MaskedOffLanes
{
    /// <summary>A row mask: lane positions along <see cref="Axis"/> of a rank-<see cref="Rank"/> block are on where
    /// <c>arange Cmp bound</c> holds.</summary>
    private sealed record RowForm(BinaryOp Cmp, string Bound, string Arange, int Axis, int Rank);

    /// <summary>The lanes of a value that may differ: those off under <see cref="Mask"/> (its exact shape), or a row form.</summary>
    private sealed record Taint(string Mask, ImmutableArray<int> Shape, RowForm? Row);

    /// <summary>The op defining each value of <paramref name="ops"/>, in nested loops too: what
    /// <see cref="Unobserved"/> reads masks' forms from.</summary>
    public static IReadOnlyDictionary<string, BlockOp> Definitions(ImmutableArray<BlockOp> ops)
    {
        var defs = new Dictionary<string, BlockOp>(StringComparer.Ordinal);
        void Walk(ImmutableArray<BlockOp> body)
        {
            foreach (var op in body)
            {
                foreach (var r in op.Results) defs[r.Name] = op;
                if (op is ForOp f) Walk(f.Body);
            }
        }
        Walk(ops);
        return defs;
    }

    /// <summary>True when the lanes of the load at <paramref name="at"/> that <paramref name="mask"/> turns off reach
    /// nothing but the off lanes of stores masked the same way. <paramref name="defs"/>: <see cref="Definitions"/> of
    /// the kernel's body.</summary>
    public static bool Unobserved(IList<BlockOp> body, int at, BlockValue mask, IReadOnlyDictionary<string, BlockOp> defs)
    {
        var load = (LoadOp)body[at];
        var row = RowOf(mask, defs);
        if (row is not null && row.Rank != load.Result.Type.Rank) row = null;
        var tainted = new Dictionary<string, Taint>(StringComparer.Ordinal)
        {
            [load.Result.Name] = new Taint(mask.Name, load.Result.Type.Shape, row),
        };
        for (int k = at + 1; k < body.Count; k++)
        {
            var op = body[k];
            var uses = op.Operands.Where(v => tainted.ContainsKey(v.Name)).Select(v => tainted[v.Name]).Distinct().ToList();
            if (op is ForOp f)
            {
                if (Uses(f, tainted.Keys)) return false;
                continue;
            }
            if (uses.Count == 0) continue;
            if (uses.Count > 1) return false;
            var taint = uses[0];
            switch (op)
            {
                case StoreOp st when st.Mask is { } m && tainted.ContainsKey(st.Value.Name) && !st.Indices.Any(v => tainted.ContainsKey(v.Name))
                    && Excludes(m, st.Value.Type.Shape, taint, defs):
                    continue;
                case UnaryBlockOp or BinaryBlockOp or CastBlockOp when Elementwise(op.Results.Single(), taint) is { } t:
                    tainted[op.Results.Single().Name] = t;
                    continue;
                case SelectBlockOp sel when !tainted.ContainsKey(sel.Condition.Name) && Elementwise(sel.Result, taint) is { } t:
                    tainted[sel.Result.Name] = t;
                    continue;
                case ReduceBlockOp r when taint.Row is { } form && r.Axis != form.Axis:
                    tainted[r.Result.Name] = taint with
                    {
                        Shape = r.Result.Type.Shape,
                        Row = form with { Axis = r.Axis < form.Axis ? form.Axis - 1 : form.Axis, Rank = form.Rank - 1 },
                    };
                    continue;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>The taint of an elementwise result: the same lanes where it keeps the shape (any mask) or the rank (a row).</summary>
    private static Taint? Elementwise(BlockValue result, Taint taint) =>
        result.Type.Shape.SequenceEqual(taint.Shape) ? taint
        : taint.Row is { } form && result.Type.Rank == form.Rank ? taint with { Shape = result.Type.Shape }
        : null;

    /// <summary>A store under <paramref name="mask"/> of a block of <paramref name="shape"/> leaves out its tainted lanes.</summary>
    private static bool Excludes(BlockValue mask, ImmutableArray<int> shape, Taint taint, IReadOnlyDictionary<string, BlockOp> defs) =>
        mask.Name == taint.Mask && shape.SequenceEqual(taint.Shape)
        || taint.Row is { } form && RowOf(mask, defs) == form && form.Rank == shape.Length;

    /// <summary>The row form of <paramref name="mask"/>, or null.</summary>
    private static RowForm? RowOf(BlockValue mask, IReadOnlyDictionary<string, BlockOp> defs)
    {
        BlockOp? def(string name) => defs.GetValueOrDefault(name);
        if (def(mask.Name) is not BinaryBlockOp { Op: BinaryOp.Lt or BinaryOp.Le or BinaryOp.Ge or BinaryOp.Gt } cmp || !cmp.B.Type.IsScalar)
            return null;
        var shape = mask.Type.Shape;
        var axes = Enumerable.Range(0, shape.Length).Where(d => shape[d] != 1).ToList();
        if (axes.Count != 1 || !cmp.A.Type.Shape.SequenceEqual(shape)) return null;
        var v = cmp.A;
        while (def(v.Name) is ReshapeOp or BroadcastOp)
            v = def(v.Name) switch { ReshapeOp rs => rs.Source, BroadcastOp bc => bc.Source, _ => v };
        return def(v.Name) is ArangeOp a && a.Length == shape[axes[0]] ? new RowForm(cmp.Op, cmp.B.Name, a.Result.Name, axes[0], shape.Length) : null;
    }

    private static bool Uses(ForOp f, IEnumerable<string> values)
    {
        var set = values.ToHashSet(StringComparer.Ordinal);
        return f.Operands.Concat(f.Yields).Any(v => set.Contains(v.Name))
            || f.Body.Any(o => o is ForOp inner ? Uses(inner, set) : o.Operands.Any(v => set.Contains(v.Name)));
    }
}
