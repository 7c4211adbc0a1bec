using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>A loop <c>k ∈ [0, K)</c> of step 1 whose body splits k into digits by constants (an im2col K row:
/// <c>ci = k / 49</c>, <c>kh = (k / 7) mod 7</c>, <c>kw = k mod 7</c>) becomes one loop per digit, outermost first
/// (<c>ci ∈ [0, 3)</c>, <c>kh ∈ [0, 7)</c>, <c>kw ∈ [0, 7)</c>), with k = ci·49 + kh·7 + kw where the body still reads
/// it; then <see cref="HoistLoopInvariants"/> moves what depends only on outer digits out of the inner loops: a
/// packed K row's input row address and its top/bottom padding test are computed once per (ci, kh), not per row.
/// <see cref="CountDivisions"/> stepped the digits as counters instead, which still cost about 25 integer operations
/// per row and left everything that reads a digit in the row loop. Applies where every division of k (or of a digit
/// value, through moves) at the top level of the body is a <c>floordiv</c> or <c>mod</c> by a constant above 1, its
/// result i64 and assigned once in the kernel, and the cut points they define (the divisors' products) divide one
/// another and K — except divisions of one whole digit whose cuts do not (a stride-2 tap's <c>kw mod 2</c>,
/// <c>kw div 2</c> of a 7-wide kw: the Tile pass SplitColumnParity), which stay divisions of that
/// digit's loop counter. The iterations run in the same order, so the body's effects are unchanged.</summary>
public sealed class SplitDigitLoops : IMachinePass
{
    public string Name => nameof(SplitDigitLoops);

    public MachineKernel Run(MachineKernel kernel)
    {
        var state = DigitLoopFacts.Of(kernel);
        var body = DigitLoopFacts.RewriteLoops(kernel.Body, loop => Split(loop, state));
        // The split only pays once the outer digits' arithmetic leaves the inner loops.
        return body == kernel.Body ? kernel : new HoistLoopInvariants().Run(kernel with { Body = body });
    }

    /// <summary>A value of the loop's digits: floor(k / Lo) mod (Hi / Lo), Lo dividing Hi, Hi = K meaning no mod (k &lt; K).</summary>
    private readonly record struct Digits(long Lo, long Hi);

    /// <summary>The statements replacing <paramref name="loop"/> (constants, then the digit loops), or null.</summary>
    private static List<MStmt>? Split(LoopStmt loop, DigitLoopFacts state)
    {
        if (loop.Step != 1 || loop.Var.Type != MType.I64
            || !state.Constants.TryGetValue(loop.Lower.Name, out long lower) || lower != 0
            || !state.Constants.TryGetValue(loop.Upper.Name, out long K) || K < 4)
            return null;
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        DigitLoopFacts.Assigned(loop.Body, assigned);
        if (assigned.Contains(loop.Var.Name)) return null;
        var values = new Dictionary<string, Digits>(StringComparer.Ordinal) { [loop.Var.Name] = new(1, K) };
        var divisions = new Dictionary<MStmt, Digits>(ReferenceEqualityComparer.Instance);
        var cuts = new SortedSet<long>();
        var kept = new List<Digits>();
        foreach (var s in loop.Body)
        {
            // Other divisions stay: they read their operand, which keeps its value.
            if (s is BinaryStmt { Op: BinaryOp.FloorDiv or BinaryOp.Mod } b && values.TryGetValue(b.A.Name, out var x)
                && b.Target.Type == MType.I64 && state.Defs.GetValueOrDefault(b.Target.Name) == 1
                && state.Constants.TryGetValue(b.B.Name, out long c) && c >= 2 && !assigned.Contains(b.B.Name))
            {
                // Products at or above K: floor(k / p) is 0 and a mod by them is no mod, as k < K.
                long p = c >= K / x.Lo + 1 ? K : x.Lo * c;
                var v = b.Op == BinaryOp.FloorDiv ? new Digits(Math.Min(p, x.Hi), x.Hi) : new Digits(x.Lo, Math.Min(p, x.Hi));
                // A division whose cut points do not chain with those taken so far (a 7-wide digit halved: a
                // stride-2 tap's kw mod 2 and kw div 2, SplitColumnParity) stays a division of its operand, which keeps
                // its value — where that operand is one whole digit (checked below): its loop's own counter then, which
                // CountDivisions steps; a division of several digits would be computed in full per iteration.
                var with = new SortedSet<long>(cuts);
                foreach (long cut in (long[])[v.Lo, v.Hi])
                    if (cut > 1 && cut < K) with.Add(cut);
                if (!Chains(with, K)) { kept.Add(x); continue; }
                values[b.Target.Name] = v;
                divisions[s] = v;
                cuts = with;
                continue;
            }
            if (s is MoveStmt m && m.Target.Type == MType.I64 && state.Defs.GetValueOrDefault(m.Target.Name) == 1 && values.TryGetValue(m.Source.Name, out var y))
                values[m.Target.Name] = y;
        }
        if (divisions.Count == 0 || cuts.Count == 0) return null;
        // Digit i runs over [0, place[i + 1] / place[i]) with place[0] = 1 and the last place's digit up to K.
        long[] place = [1, .. cuts];
        for (int i = 1; i < place.Length; i++)
            if (place[i] % place[i - 1] != 0) return null;
        if (K % place[^1] != 0) return null;
        int n = place.Length;
        foreach (var d in kept)
            if (Array.IndexOf(place, d.Lo) is var at && (at < 0 || d.Hi != (at + 1 < n ? place[at + 1] : K))) return null;

        var before = new List<MStmt>();
        var zero = Const(0, "digit_k0");
        var digits = new Reg[n];
        var extents = new Reg[n];
        for (int i = 0; i < n; i++)
        {
            digits[i] = state.Fresh($"{loop.Var.Name}_d{i}", MType.I64);
            extents[i] = Const((i + 1 < n ? place[i + 1] : K) / place[i], $"{loop.Var.Name}_n{i}");
        }
        var weights = new Dictionary<long, Reg>();

        // The body: each division reads its digits; k (where read) is the innermost digit plus the outer digits' sum.
        var body = ImmutableArray.CreateBuilder<MStmt>(loop.Body.Length + 2);
        var levels = new List<MStmt>[n];
        for (int i = 0; i < n; i++) levels[i] = [];
        if (Reads(loop.Body, loop.Var.Name, divisions))
        {
            Reg? outer = null;
            for (int i = n - 1; i >= 1; i--)
            {
                var term = Scaled(levels[i], digits[i], place[i], $"{loop.Var.Name}_p{i}");
                if (outer is null) outer = term;
                else
                {
                    var sum = state.Fresh($"{loop.Var.Name}_s{i}", MType.I64);
                    levels[i].Add(new BinaryStmt(sum, BinaryOp.Add, outer, term));
                    outer = sum;
                }
            }
            body.Add(new BinaryStmt(loop.Var, BinaryOp.Add, outer!, digits[0]));
        }
        foreach (var s in loop.Body)
        {
            if (!divisions.TryGetValue(s, out var v)) { body.Add(s); continue; }
            var target = s.Dest!;
            var terms = new List<(Reg Digit, long Weight)>();
            for (int i = 0; i < n; i++)
                if (place[i] >= v.Lo && place[i] < v.Hi) terms.Add((digits[i], place[i] / v.Lo));
            if (terms.Count == 0) { body.Add(new ConstStmt(target, Scalar.Int(0))); continue; }
            Reg? acc = null;
            for (int t = terms.Count - 1; t >= 0; t--)
            {
                var term = terms[t].Weight == 1 ? terms[t].Digit : Scaled(body, terms[t].Digit, terms[t].Weight, $"{target.Name}_t{t}");
                if (acc is null) acc = term;
                else if (t == 0) { body.Add(new BinaryStmt(target, BinaryOp.Add, acc, term)); acc = target; }
                else
                {
                    var sum = state.Fresh($"{target.Name}_s{t}", MType.I64);
                    body.Add(new BinaryStmt(sum, BinaryOp.Add, acc, term));
                    acc = sum;
                }
            }
            if (!ReferenceEquals(acc, target)) body.Add(new MoveStmt(target, acc!));
        }
        MStmt nest = new LoopStmt(digits[0], zero, extents[0], 1, body.ToImmutable());
        for (int i = 1; i < n; i++)
            nest = new LoopStmt(digits[i], zero, extents[i], 1, [.. levels[i], nest]);
        before.Add(nest);
        return before;

        Reg Const(long value, string hint)
        {
            var r = state.Fresh(hint, MType.I64);
            before.Add(new ConstStmt(r, Scalar.Int(value)));
            return r;
        }

        // digit · weight into a new register (the digit itself for weight 1).
        Reg Scaled(ICollection<MStmt> into, Reg digit, long weight, string hint)
        {
            if (weight == 1) return digit;
            if (!weights.TryGetValue(weight, out var w)) weights[weight] = w = Const(weight, $"digit_k{weight}");
            var r = state.Fresh(hint, MType.I64);
            into.Add(new BinaryStmt(r, BinaryOp.Mul, digit, w));
            return r;
        }
    }

    /// <summary>Whether the cut points, in order, each divide the next and the last divides <paramref name="k"/>.</summary>
    private static bool Chains(SortedSet<long> cuts, long k)
    {
        long prev = 1;
        foreach (long c in cuts)
        {
            if (c % prev != 0) return false;
            prev = c;
        }
        return k % prev == 0;
    }

    /// <summary>Whether a statement other than the replaced divisions reads <paramref name="name"/> (at any depth).</summary>
    private static bool Reads(ImmutableArray<MStmt> stmts, string name, Dictionary<MStmt, Digits> replaced)
    {
        foreach (var s in stmts)
        {
            if (replaced.ContainsKey(s)) continue;
            if (s.Uses.Any(u => u.Name == name)) return true;
            switch (s)
            {
                case LoopStmt l when l.Lower.Name == name || l.Upper.Name == name || Reads(l.Body, name, replaced): return true;
                case IfStmt i when Reads(i.Then, name, replaced) || Reads(i.Else, name, replaced): return true;
            }
        }
        return false;
    }
}
