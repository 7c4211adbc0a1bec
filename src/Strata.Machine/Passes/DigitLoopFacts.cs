using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Machine.Passes;

/// <summary>What the passes that rewrite a loop by its counter's digits (<see cref="CountDivisions"/>,
/// <see cref="SplitDigitLoops"/>) know of the whole kernel: how often each register is assigned, every name in use (so
/// new registers get fresh ones), and the i64 registers assigned once by a constant; and the walk that offers them each
/// loop, innermost first.</summary>
internal sealed record DigitLoopFacts(Dictionary<string, int> Defs, HashSet<string> Names, Dictionary<string, long> Constants)
{
    public static DigitLoopFacts Of(MachineKernel kernel)
    {
        var defs = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in kernel.Params) names.Add(p.Name);
        foreach (var b in kernel.Buffers) names.Add(b.Name);
        Count(kernel.Body, defs, names);
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        FindConstants(kernel.Body, defs, constants);
        return new DigitLoopFacts(defs, names, constants);
    }

    public Reg Fresh(string hint, MType type)
    {
        string name = hint;
        for (int i = 1; !Names.Add(name); i++) name = $"{hint}_{i}";
        return new Reg(name, type);
    }

    /// <summary>The statements with every loop (its body rewritten first) replaced by what <paramref name="rewrite"/>
    /// gives for it (null: the loop stays); the same array where nothing changed.</summary>
    public static ImmutableArray<MStmt> RewriteLoops(ImmutableArray<MStmt> stmts, Func<LoopStmt, List<MStmt>?> rewrite)
    {
        ImmutableArray<MStmt>.Builder? result = null;
        for (int k = 0; k < stmts.Length; k++)
        {
            var s = stmts[k];
            List<MStmt>? now = null;
            switch (s)
            {
                case LoopStmt l:
                {
                    var body = RewriteLoops(l.Body, rewrite);
                    var loop = body == l.Body ? l : l with { Body = body };
                    now = rewrite(loop) ?? (ReferenceEquals(loop, l) ? null : [loop]);
                    break;
                }
                case IfStmt i:
                {
                    var then = RewriteLoops(i.Then, rewrite);
                    var @else = RewriteLoops(i.Else, rewrite);
                    if (then != i.Then || @else != i.Else) now = [i with { Then = then, Else = @else }];
                    break;
                }
            }
            if (now is null && result is null) continue;
            if (result is null)
            {
                result = ImmutableArray.CreateBuilder<MStmt>(stmts.Length);
                for (int j = 0; j < k; j++) result.Add(stmts[j]);
            }
            if (now is null) result.Add(s);
            else result.AddRange(now);
        }
        return result is null ? stmts : result.ToImmutable();
    }

    private static void Count(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs, HashSet<string> names)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) { defs[d.Name] = defs.GetValueOrDefault(d.Name) + 1; names.Add(d.Name); }
            foreach (var u in s.Uses) names.Add(u.Name);
            switch (s)
            {
                case LoopStmt l:
                    defs[l.Var.Name] = defs.GetValueOrDefault(l.Var.Name) + 1;
                    names.Add(l.Var.Name);
                    Count(l.Body, defs, names);
                    break;
                case IfStmt i:
                    Count(i.Then, defs, names);
                    Count(i.Else, defs, names);
                    break;
            }
        }
    }

    /// <summary>Every register assigned in the statements (loop variables too).</summary>
    public static void Assigned(ImmutableArray<MStmt> stmts, HashSet<string> names)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) names.Add(d.Name);
            switch (s)
            {
                case LoopStmt l: names.Add(l.Var.Name); Assigned(l.Body, names); break;
                case IfStmt i: Assigned(i.Then, names); Assigned(i.Else, names); break;
            }
        }
    }

    /// <summary>Scalar i64 registers assigned once, by a constant: their values.</summary>
    private static void FindConstants(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs, Dictionary<string, long> found)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case ConstStmt c when c.Target.Type == MType.I64 && defs.GetValueOrDefault(c.Target.Name) == 1:
                    found[c.Target.Name] = c.Value.I;
                    break;
                case LoopStmt l: FindConstants(l.Body, defs, found); break;
                case IfStmt i: FindConstants(i.Then, defs, found); FindConstants(i.Else, defs, found); break;
            }
    }
}
