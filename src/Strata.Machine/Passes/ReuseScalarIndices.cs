using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Common-subexpression elimination for scalar index arithmetic: a scalar integer/bool binary op, select or
/// cast whose operands (by value number) were already combined the same way earlier in the same statement list or an
/// enclosing one becomes a move of that earlier register (RyuJIT coalesces the move). The Machine lowering evaluates a
/// Block index value afresh at each use: an im2col K row (<see cref="Tile.Passes.MergeContractionTaps"/>) recomputed
/// <c>(k / 3) mod 3</c> and its bounds for every one of its uses, a dozen divisions per row. Only registers assigned once
/// in the whole kernel take part (as targets and as operands), so an earlier register still holds the value; an entry
/// made inside a loop or branch is not seen after it, and an operand must be assigned before the statement in program
/// order (not only on a previous iteration).</summary>
public sealed class ReuseScalarIndices : IMachinePass
{
    public string Name => nameof(ReuseScalarIndices);

    public MachineKernel Run(MachineKernel kernel)
    {
        var defs = new Dictionary<string, int>(StringComparer.Ordinal);
        CountDefs(kernel.Body, defs);
        var canon = new Dictionary<string, string>(StringComparer.Ordinal);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        var body = Rewrite(kernel.Body, defs, canon, defined, new Dictionary<string, Reg>(StringComparer.Ordinal));
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    private static void CountDefs(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) defs[d.Name] = defs.GetValueOrDefault(d.Name) + 1;
            switch (s)
            {
                case LoopStmt l:
                    // Fixed within one iteration; entries made in the body are not seen after the loop.
                    defs[l.Var.Name] = defs.GetValueOrDefault(l.Var.Name) + 1;
                    CountDefs(l.Body, defs);
                    break;
                case IfStmt i:
                    CountDefs(i.Then, defs);
                    CountDefs(i.Else, defs);
                    break;
            }
        }
    }

    private static ImmutableArray<MStmt> Rewrite(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs,
        Dictionary<string, string> canon, HashSet<string> defined, Dictionary<string, Reg> seen)
    {
        ImmutableArray<MStmt>.Builder? result = null;
        for (int k = 0; k < stmts.Length; k++)
        {
            var s = stmts[k];
            MStmt now = s;
            switch (s)
            {
                case LoopStmt l:
                {
                    defined.Add(l.Var.Name);
                    var body = Rewrite(l.Body, defs, canon, defined, new Dictionary<string, Reg>(seen, StringComparer.Ordinal));
                    if (body != l.Body) now = l with { Body = body };
                    break;
                }
                case IfStmt i:
                {
                    var then = Rewrite(i.Then, defs, canon, defined, new Dictionary<string, Reg>(seen, StringComparer.Ordinal));
                    var @else = Rewrite(i.Else, defs, canon, defined, new Dictionary<string, Reg>(seen, StringComparer.Ordinal));
                    if (then != i.Then || @else != i.Else) now = i with { Then = then, Else = @else };
                    break;
                }
                default:
                    if (Key(s, defs, canon, defined) is { } key && s.Dest is { } d)
                    {
                        if (seen.TryGetValue(key, out var earlier) && earlier.Type == d.Type)
                        {
                            now = new MoveStmt(d, earlier);
                            canon[d.Name] = canon.GetValueOrDefault(earlier.Name, earlier.Name);
                        }
                        else seen[key] = d;
                    }
                    else if (s is MoveStmt m && Single(m.Target, defs) && Single(m.Source, defs) && defined.Contains(m.Source.Name) && m.Target.Type == m.Source.Type)
                        canon[m.Target.Name] = canon.GetValueOrDefault(m.Source.Name, m.Source.Name);
                    if (s.Dest is { } def) defined.Add(def.Name);
                    break;
            }
            if (ReferenceEquals(now, s) && result is null) continue;
            if (result is null)
            {
                result = ImmutableArray.CreateBuilder<MStmt>(stmts.Length);
                for (int j = 0; j < k; j++) result.Add(stmts[j]);
            }
            result.Add(now);
        }
        return result is null ? stmts : result.ToImmutable();
    }

    private static bool Single(Reg r, Dictionary<string, int> defs) => defs.GetValueOrDefault(r.Name) == 1;

    /// <summary>The value key of a pure scalar integer/bool statement over registers assigned once; null otherwise.</summary>
    private static string? Key(MStmt s, Dictionary<string, int> defs, Dictionary<string, string> canon, HashSet<string> defined)
    {
        if (s.Dest is not { } d || d.Type.IsVector || !IsIndex(d.Type.Element) || !Single(d, defs)) return null;
        // An operand not yet assigned on the way here is read across a loop's back edge: its value may differ later.
        string? Of(Reg r) => r.Type.IsVector || !Single(r, defs) || !defined.Contains(r.Name) ? null : canon.GetValueOrDefault(r.Name, r.Name);
        return s switch
        {
            BinaryStmt b when Of(b.A) is { } a && Of(b.B) is { } c && IsIndex(b.A.Type.Element) => $"{b.Op} {a} {c} {d.Type}",
            SelectStmt x when Of(x.Condition) is { } c && Of(x.IfTrue) is { } t && Of(x.IfFalse) is { } f => $"select {c} {t} {f} {d.Type}",
            CastStmt x when Of(x.X) is { } a && IsIndex(x.X.Type.Element) => $"cast {a} {x.X.Type} {d.Type}",
            _ => null,
        };
    }

    private static bool IsIndex(DataType t) => t is DataType.Bool or DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt64 or DataType.UInt32 or DataType.UInt16 or DataType.UInt8;
}
