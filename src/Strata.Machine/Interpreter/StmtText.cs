using Strata.Block;
using Strata.Block.Text;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

/// <summary>One line of a statement in the Machine text syntax, for error messages (nested bodies are elided).</summary>
internal static class StmtText
{
    public static string Describe(MStmt stmt) => stmt switch
    {
        ConstStmt c => $"{c.Target} = const {BlockPrinter.FormatScalar(c.Value, c.Target.Type.Element)} : {c.Target.Type}",
        ProgramIdStmt p => $"{p.Target} = program_id {p.Axis} : {p.Target.Type}",
        MoveStmt m => $"{m.Target} = mov {m.Source} : {m.Target.Type}",
        UnaryStmt u => $"{u.Target} = {u.Op.Name()} {u.X} : {u.Target.Type}",
        BinaryStmt b => $"{b.Target} = {b.Op.Name()} {b.A}, {b.B} : {b.Target.Type}",
        FmaStmt f => $"{f.Target} = fma {f.A}, {f.B}, {f.C} : {f.Target.Type}",
        SelectStmt s => $"{s.Target} = select {s.Condition}, {s.IfTrue}, {s.IfFalse} : {s.Target.Type}",
        CastStmt c => $"{c.Target} = cast {c.X} : {c.Target.Type}",
        BroadcastStmt b => $"{b.Target} = broadcast {b.Source} : {b.Target.Type}",
        ReduceLanesStmt r => $"{r.Target} = reduce_lanes {r.Op.Name()} {r.Vector} : {r.Target.Type}",
        LoadStmt l => $"{l.Target} = load %{l.Memory}[{l.Index}]{Predicate(l.Mask, l.Count)}"
            + (l.Other is { } o ? " other " + BlockPrinter.FormatScalar(o, l.Target.Type.Element) : "") + $" : {l.Target.Type}",
        StoreStmt s => $"store %{s.Memory}[{s.Index}], {s.Value}{Predicate(s.Mask, s.Count)}",
        PrefetchStmt p => $"prefetch %{p.Memory}[{p.Index}]",
        LoopStmt l => $"loop {l.Var} = {l.Lower} to {l.Upper} step {l.Step} {{ … }}",
        IfStmt i => $"if {i.Condition} {{ … }}",
        _ => stmt.GetType().Name,
    };

    private static string Predicate(Reg? mask, Reg? count) =>
        (mask is null ? "" : " mask " + mask) + (count is null ? "" : " count " + count);
}
