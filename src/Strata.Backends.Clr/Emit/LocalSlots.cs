using System.Collections.Immutable;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary>Which IL local each register of a kernel lives in: registers whose live ranges do not overlap share one
/// local of their CLR type, so a kernel declares about as many locals as it has registers live at once.
/// Why: RyuJIT tracks (SSA, enregistration across blocks) at most 1,024 locals of a method (JitMaxLocalsToTrack), its
/// own temps included. A kernel with a local per register passed that: squeezenet's 1×1 256→32 conv on 27×27, with two
/// K blocks, a packed input and 6- and 4-row tiles, has about 950 registers, and RyuJIT stored and reloaded all 24
/// accumulators of its micro-kernel at every back edge of the k loop (0.168 ms a run alone; with the limit raised by
/// DOTNET_JitMaxLocalsToTrack, 0.104 ms and no spills). Sharing keeps the count far below the limit.
/// A live range here is an interval of statement positions in program order (a loop's increment is a position after its
/// body), from a register's first mention to its last, widened to the whole of every loop it crosses: a register a loop
/// reads before it assigns it in an iteration holds its value round the back edge. The backend compiles verified kernels
/// only, where every read has an assignment on every path before it, so such a register was assigned before the loop
/// and its range crosses the loop's start; one assigned in a loop and read after it was likewise assigned before the
/// loop (the loop may not run). Widening every crossing is conservative (a register reassigned at the top of each
/// iteration would not need it), so two registers that share a local are never live at once.</summary>
internal static class LocalSlots
{
    /// <summary>The slot (per CLR type, from 0) of every register of <paramref name="body"/> except <paramref name="skip"/>
    /// (constants the emitter inlines); <paramref name="typeOf"/> gives a register's CLR type.</summary>
    public static Dictionary<string, (Type Type, int Slot)> Assign(ImmutableArray<MStmt> body, Func<Reg, Type> typeOf, IReadOnlySet<string> skip)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        var loops = new List<(int Start, int End)>();
        int pos = 0;

        void Mention(Reg r)
        {
            if (skip.Contains(r.Name)) return;
            if (!first.ContainsKey(r.Name)) { first[r.Name] = pos; types[r.Name] = typeOf(r); }
            last[r.Name] = pos;
        }
        void Walk(ImmutableArray<MStmt> list)
        {
            foreach (var s in list)
            {
                pos++;
                foreach (var u in s.Uses) Mention(u);
                if (s.Dest is { } d) Mention(d);
                switch (s)
                {
                    case LoopStmt l:
                        Mention(l.Var);
                        int start = pos;
                        Walk(l.Body);
                        pos++;
                        Mention(l.Var);   // the increment
                        loops.Add((start, pos));
                        break;
                    case IfStmt i:
                        Walk(i.Then);
                        Walk(i.Else);
                        break;
                }
            }
        }
        Walk(body);

        // Innermost loops first: widening a range to a loop can make it cross only an enclosing loop, which comes later.
        var names = first.Keys.ToArray();
        var from = names.Select(n => first[n]).ToArray();
        var to = names.Select(n => last[n]).ToArray();
        foreach (var (start, end) in loops.OrderBy(l => l.End - l.Start))
            for (int n = 0; n < names.Length; n++)
            {
                int a = from[n], b = to[n];
                if (b < start || a > end || a <= start && b >= end || a >= start && b <= end) continue;
                from[n] = Math.Min(a, start);
                to[n] = Math.Max(b, end);
            }

        // Linear scan per type: a slot is free again once the range it holds has ended.
        var slots = new Dictionary<string, (Type, int)>(StringComparer.Ordinal);
        var active = new Dictionary<Type, PriorityQueue<int, int>>();
        var free = new Dictionary<Type, SortedSet<int>>();
        var count = new Dictionary<Type, int>();
        foreach (int n in Enumerable.Range(0, names.Length).OrderBy(n => from[n]).ThenBy(n => names[n], StringComparer.Ordinal))
        {
            var t = types[names[n]];
            if (!active.TryGetValue(t, out var q)) { active[t] = q = new(); free[t] = []; count[t] = 0; }
            while (q.TryPeek(out int slot, out int end) && end < from[n]) { q.Dequeue(); free[t].Add(slot); }
            int s;
            if (free[t].Count > 0) { s = free[t].Min; free[t].Remove(s); }
            else s = count[t]++;
            slots[names[n]] = (t, s);
            q.Enqueue(s, to[n]);
        }
        return slots;
    }
}
