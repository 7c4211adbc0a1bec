namespace Strata.Block.Passes;

/// <summary>Rewrites the operands of one op through a substitution (a value → the value that replaces it). Results, a
/// loop's induction variable and iter args, and a loop's body are kept (passes walk bodies themselves); a loop's bounds,
/// inits and yields are mapped. Returns the same op when no operand changes.</summary>
public static class OperandMap
{
    public static BlockOp Apply(BlockOp op, IReadOnlyDictionary<string, BlockValue> map)
    {
        if (map.Count == 0 || !op.Operands.Any(v => map.ContainsKey(v.Name)) && op is not ForOp) return op;
        BlockValue M(BlockValue v) => map.TryGetValue(v.Name, out var r) ? r : v;
        BlockValue? MN(BlockValue? v) => v is null ? null : M(v);
        return op switch
        {
            ArangeOp a => a with { Start = M(a.Start) },
            BroadcastOp b => b with { Source = M(b.Source) },
            ReshapeOp r => r with { Source = M(r.Source) },
            UnaryBlockOp u => u with { X = M(u.X) },
            BinaryBlockOp b => b with { A = M(b.A), B = M(b.B) },
            SelectBlockOp s => s with { Condition = M(s.Condition), IfTrue = M(s.IfTrue), IfFalse = M(s.IfFalse) },
            CastBlockOp c => c with { X = M(c.X) },
            LoadOp l => l with { Indices = [.. l.Indices.Select(M)], Mask = MN(l.Mask) },
            StoreOp s => s with { Indices = [.. s.Indices.Select(M)], Value = M(s.Value), Mask = MN(s.Mask) },
            DotOp d => d with { A = M(d.A), B = M(d.B), Accumulator = M(d.Accumulator) },
            ReduceBlockOp r => r with { X = M(r.X) },
            ForOp f when f.Operands.Concat(f.Yields).Any(v => map.ContainsKey(v.Name)) =>
                f with { Lower = M(f.Lower), Upper = M(f.Upper), Inits = [.. f.Inits.Select(M)], Yields = [.. f.Yields.Select(M)] },
            _ => op,
        };
    }
}
