using System.Collections.Immutable;

namespace Strata.Machine.Passes;

/// <summary>Drops pure statements (constants, arithmetic, casts, loads, ...) whose register no statement reads, then
/// loops and ifs left with empty bodies, until nothing changes. Flow-insensitive on purpose: a register read anywhere
/// (in any loop or branch, before or after) keeps every assignment of it, which is always safe with mutable registers
/// and loop-carried values. Stores and prefetches are never dropped.</summary>
public sealed class EliminateDeadRegisters : IMachinePass
{
    public string Name => nameof(EliminateDeadRegisters);

    public MachineKernel Run(MachineKernel kernel)
    {
        var body = kernel.Body;
        while (true)
        {
            var read = new HashSet<string>(StringComparer.Ordinal);
            CollectReads(body, read);
            var next = Sweep(body, read);
            if (next == body) break; // Sweep returns the same array when it drops nothing
            body = next;
        }
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    private static void CollectReads(ImmutableArray<MStmt> stmts, HashSet<string> read)
    {
        foreach (var s in stmts)
        {
            foreach (var u in s.Uses) read.Add(u.Name);
            if (s is LoopStmt l) CollectReads(l.Body, read);
            else if (s is IfStmt i) { CollectReads(i.Then, read); CollectReads(i.Else, read); }
        }
    }

    /// <summary><paramref name="stmts"/> without the dead ones (the same array when none is).</summary>
    private static ImmutableArray<MStmt> Sweep(ImmutableArray<MStmt> stmts, HashSet<string> read)
    {
        ImmutableArray<MStmt>.Builder? kept = null;
        for (int k = 0; k < stmts.Length; k++)
        {
            var s = stmts[k];
            MStmt? now = s switch
            {
                LoopStmt l when Sweep(l.Body, read) is var b => b.IsEmpty ? null : b == l.Body ? l : l with { Body = b },
                IfStmt i when (Sweep(i.Then, read), Sweep(i.Else, read)) is var (t, e) =>
                    t.IsEmpty && e.IsEmpty ? null : t == i.Then && e == i.Else ? i : i with { Then = t, Else = e },
                StoreStmt or PrefetchStmt => s,
                _ => s.Dest is { } d && !read.Contains(d.Name) ? null : s,
            };
            if (ReferenceEquals(now, s) && kept is null) continue;
            if (kept is null)
            {
                kept = ImmutableArray.CreateBuilder<MStmt>(stmts.Length);
                for (int j = 0; j < k; j++) kept.Add(stmts[j]);
            }
            if (now is not null) kept.Add(now);
        }
        return kept is null ? stmts : kept.ToImmutable();
    }
}
