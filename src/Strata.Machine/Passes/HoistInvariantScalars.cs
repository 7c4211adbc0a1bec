using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Moves scalar integer and bool arithmetic whose operands a loop does not change out of that loop, innermost
/// loops first, so it runs once per loop entry instead of once per iteration. The lowering computes an access's
/// address where the access is (a depthwise conv's row offset of each tap is recomputed for every vector), and
/// RyuJIT does not hoist most of it once a loop has many live values. Only statements whose register is assigned
/// nowhere else in the kernel move, and only arithmetic that cannot trap (no division), so running it before the
/// loop (even a loop that runs zero times) computes the same values the loop would.</summary>
public sealed class HoistInvariantScalars : IMachinePass
{
    public string Name => nameof(HoistInvariantScalars);

    public MachineKernel Run(MachineKernel kernel)
    {
        var defs = new Dictionary<string, int>(StringComparer.Ordinal);
        CountDefs(kernel.Body, defs);
        var body = Hoist(kernel.Body, defs);
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    private static void CountDefs(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) defs[d.Name] = defs.GetValueOrDefault(d.Name) + 1;
            if (s is LoopStmt l) { defs[l.Var.Name] = defs.GetValueOrDefault(l.Var.Name) + 1; CountDefs(l.Body, defs); }
            else if (s is IfStmt i) { CountDefs(i.Then, defs); CountDefs(i.Else, defs); }
        }
    }

    /// <summary><paramref name="stmts"/> with every loop in it (at any depth) rewritten: its invariant statements
    /// placed right before it. The same array when nothing moved.</summary>
    private static ImmutableArray<MStmt> Hoist(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs)
    {
        ImmutableArray<MStmt>.Builder? result = null;
        for (int k = 0; k < stmts.Length; k++)
        {
            var s = stmts[k];
            var replaced = s switch
            {
                LoopStmt l => HoistLoop(l, defs),
                IfStmt i when (Hoist(i.Then, defs), Hoist(i.Else, defs)) is var (t, e) =>
                    t == i.Then && e == i.Else ? [i] : ImmutableArray.Create<MStmt>(i with { Then = t, Else = e }),
                _ => [s],
            };
            if (result is null && replaced.Length == 1 && ReferenceEquals(replaced[0], s)) continue;
            if (result is null)
            {
                result = ImmutableArray.CreateBuilder<MStmt>(stmts.Length + 8);
                for (int j = 0; j < k; j++) result.Add(stmts[j]);
            }
            result.AddRange(replaced);
        }
        return result is null ? stmts : result.ToImmutable();
    }

    /// <summary>The hoisted statements followed by the loop without them (just the loop when none moved).</summary>
    private static ImmutableArray<MStmt> HoistLoop(LoopStmt loop, Dictionary<string, int> defs)
    {
        var body = Hoist(loop.Body, defs);
        var assigned = new HashSet<string>(StringComparer.Ordinal) { loop.Var.Name };
        CollectAssigned(body, assigned);
        var hoisted = new List<MStmt>();
        var kept = ImmutableArray.CreateBuilder<MStmt>(body.Length);
        foreach (var s in body)
        {
            if (Movable(s, defs) && s.Uses.All(u => !assigned.Contains(u.Name)))
            {
                hoisted.Add(s);
                assigned.Remove(s.Dest!.Name); // now defined before the loop: later statements may move too
                continue;
            }
            kept.Add(s);
        }
        if (hoisted.Count == 0) return body == loop.Body ? [loop] : [loop with { Body = body }];
        return [.. hoisted, loop with { Body = kept.ToImmutable() }];
    }

    private static void CollectAssigned(ImmutableArray<MStmt> stmts, HashSet<string> assigned)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) assigned.Add(d.Name);
            if (s is LoopStmt l) { assigned.Add(l.Var.Name); CollectAssigned(l.Body, assigned); }
            else if (s is IfStmt i) { CollectAssigned(i.Then, assigned); CollectAssigned(i.Else, assigned); }
        }
    }

    /// <summary>Scalar i64/bool arithmetic that cannot trap, assigning a register assigned nowhere else.</summary>
    private static bool Movable(MStmt s, Dictionary<string, int> defs)
    {
        if (s.Dest is not { } d || d.Type.IsVector || defs.GetValueOrDefault(d.Name) != 1) return false;
        if (d.Type.Element is not (Core.DataType.Int64 or Core.DataType.Bool)) return false;
        return s switch
        {
            BinaryStmt b => !b.A.Type.IsVector && b.A.Type.Element is Core.DataType.Int64 or Core.DataType.Bool
                && b.Op is not (BinaryOp.Div or BinaryOp.FloorDiv or BinaryOp.Mod or BinaryOp.FMod or BinaryOp.Pow),
            SelectStmt c => !c.Condition.Type.IsVector,
            MoveStmt m => !m.Source.Type.IsVector,
            _ => false,
        };
    }
}
