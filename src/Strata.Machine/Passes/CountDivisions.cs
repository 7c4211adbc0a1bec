using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Strength reduction of divisions by a loop's counter: <c>floordiv %v, C</c> and <c>mod %v, C</c> (C a positive
/// constant, %v the loop variable) at the top level of the loop's body become a quotient and a remainder register
/// computed once before the loop and stepped at the end of each iteration (remainder += step; one wrap at most carries
/// into the quotient). A quotient read again (<c>mod (floordiv %v, 7), 7</c>) steps by that carry, so chains of digits
/// count too. An im2col K row (<see cref="Tile.Passes.MergeContractionTaps"/>) reads <c>ci = k / 49</c>,
/// <c>kh = (k / 7) mod 7</c>, <c>kw = k mod 7</c>: three to five i64 divisions (each a multiply-high, shifts and a floor
/// fix-up) per packed row of a few vectors, the cost that made merging wide convs lose. Applies where the step of the
/// divided value is at most C (one wrap per iteration) and the division's result is i64 and assigned once in the whole
/// kernel; the quotient and remainder registers are new.</summary>
public sealed class CountDivisions : IMachinePass
{
    public string Name => nameof(CountDivisions);

    public MachineKernel Run(MachineKernel kernel)
    {
        var state = DigitLoopFacts.Of(kernel);
        var body = DigitLoopFacts.RewriteLoops(kernel.Body, loop => Reduce(loop, state));
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    /// <summary>How a value steps from one iteration to the next: by a constant, plus one where a carry (bool) is set.</summary>
    private sealed record Step(long By, Reg? Carry)
    {
        public long Most => By + (Carry is null ? 0 : 1);
    }

    /// <summary>A quotient and remainder of a stepped value by a constant, the bool set when the remainder wraps, the
    /// quotient's last value (of the loop's last iteration), and the value's step.</summary>
    private sealed record Counter(Reg Quotient, Reg Remainder, Reg Carry, Reg Divisor, Reg Last, Step Of);

    /// <summary>The statements replacing <paramref name="loop"/> (its counters' initial values, then the loop with its
    /// divisions read from them and the counters stepped last), or null when it has no division to count.</summary>
    private static List<MStmt>? Reduce(LoopStmt loop, DigitLoopFacts state)
    {
        if (loop.Step <= 0 || loop.Var.Type != MType.I64) return null;
        var before = new List<MStmt>();
        // Registers that step by a known amount per iteration, with the register holding their first iteration's value.
        // Moves of one share its counters (Key: the register first holding the value); Last: its value in the last iteration
        // or above (made only when a counter needs it).
        Reg? last = null;
        var stepped = new Dictionary<string, (Step Step, Reg Initial, string Key, Func<Reg> Last)>(StringComparer.Ordinal)
        {
            [loop.Var.Name] = (new Step(loop.Step, null), loop.Lower, loop.Var.Name, () => last ??= LastOfLoop()),
        };
        var counters = new Dictionary<(string, long), Counter>();
        var order = new List<Counter>();
        var body = ImmutableArray.CreateBuilder<MStmt>(loop.Body.Length);
        // The divisor is read before the loop: it must not be assigned in it.
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        DigitLoopFacts.Assigned(loop.Body, assigned);
        foreach (var s in loop.Body)
        {
            if (s is BinaryStmt { Op: BinaryOp.FloorDiv or BinaryOp.Mod } b && b.Target.Type == MType.I64 && state.Defs.GetValueOrDefault(b.Target.Name) == 1
                && stepped.TryGetValue(b.A.Name, out var x) && state.Constants.TryGetValue(b.B.Name, out long c) && c > 0 && x.Step.Most <= c && !assigned.Contains(b.B.Name))
            {
                if (!counters.TryGetValue((x.Key, c), out var counter))
                {
                    var q = state.Fresh($"{b.A.Name}_q{c}", MType.I64);
                    var r = state.Fresh($"{b.A.Name}_r{c}", MType.I64);
                    before.Add(new BinaryStmt(q, BinaryOp.FloorDiv, x.Initial, b.B));
                    before.Add(new BinaryStmt(r, BinaryOp.Mod, x.Initial, b.B));
                    var qLast = state.Fresh($"{q.Name}_last", MType.I64);
                    before.Add(new BinaryStmt(qLast, BinaryOp.FloorDiv, x.Last(), b.B));
                    counter = new Counter(q, r, state.Fresh($"{r.Name}_c", MType.Bool), b.B, qLast, x.Step);
                    counters[(x.Key, c)] = counter;
                    order.Add(counter);
                }
                bool quotient = b.Op == BinaryOp.FloorDiv;
                body.Add(new MoveStmt(b.Target, quotient ? counter.Quotient : counter.Remainder));
                // A quotient steps by its remainder's carry (its step is below C, so a stepped value's quotient gains 0 or 1).
                if (quotient) stepped[b.Target.Name] = (new Step(0, counter.Carry), counter.Quotient, counter.Quotient.Name, () => counter.Last);
                continue;
            }
            if (s is MoveStmt m && m.Target.Type == MType.I64 && state.Defs.GetValueOrDefault(m.Target.Name) == 1 && stepped.TryGetValue(m.Source.Name, out var y))
                stepped[m.Target.Name] = y;
            body.Add(s);
        }
        if (order.Count == 0) return null;
        // Step every counter, parents first (a child reads its parent's carry of this iteration).
        var one = Const(1);
        var zero = Const(0);
        Dictionary<string, Reg>? cMinus1 = null;
        foreach (var counter in order)
        {
            var carry = counter.Carry;
            if (counter.Of.By > 0)
            {
                var by = state.Fresh($"{counter.Remainder.Name}_by", MType.I64);
                before.Add(new ConstStmt(by, Scalar.Int(counter.Of.By)));
                body.Add(new BinaryStmt(counter.Remainder, BinaryOp.Add, counter.Remainder, by));
            }
            if (counter.Of.Carry is { } parent)
            {
                var inc = state.Fresh($"{counter.Remainder.Name}_in", MType.I64);
                body.Add(new SelectStmt(inc, parent, one, zero));
                body.Add(new BinaryStmt(counter.Remainder, BinaryOp.Add, counter.Remainder, inc));
            }
            var wrapped = state.Fresh($"{counter.Remainder.Name}_w", MType.I64);
            var add = state.Fresh($"{counter.Quotient.Name}_in", MType.I64);
            body.Add(new BinaryStmt(carry, BinaryOp.Ge, counter.Remainder, counter.Divisor));
            body.Add(new BinaryStmt(wrapped, BinaryOp.Sub, counter.Remainder, counter.Divisor));
            body.Add(new SelectStmt(counter.Remainder, carry, wrapped, counter.Remainder));
            body.Add(new SelectStmt(add, carry, one, zero));
            body.Add(new BinaryStmt(counter.Quotient, BinaryOp.Add, counter.Quotient, add));
            // No-op clamps that keep the counters' ranges visible to BoundsAnalysis (intervals, widened in loops): the
            // remainder stays in [0, C), the quotient at most its last value; without them an access indexed by a
            // counter would lose its bounds proof and be checked.
            cMinus1 ??= new Dictionary<string, Reg>(StringComparer.Ordinal);
            if (!cMinus1.TryGetValue(counter.Divisor.Name, out var top))
            {
                top = state.Fresh($"{counter.Divisor.Name}_m1", MType.I64);
                before.Add(new BinaryStmt(top, BinaryOp.Sub, counter.Divisor, one));
                cMinus1[counter.Divisor.Name] = top;
            }
            body.Add(new BinaryStmt(counter.Remainder, BinaryOp.Max, counter.Remainder, zero));
            body.Add(new BinaryStmt(counter.Remainder, BinaryOp.Min, counter.Remainder, top));
            body.Add(new BinaryStmt(counter.Quotient, BinaryOp.Min, counter.Quotient, counter.Last));
        }
        before.Add(loop with { Body = body.ToImmutable() });
        return before;

        // The loop variable's last value or above: lower + ((upper - 1 - lower) floordiv step) · step is exact, but
        // upper - 1 bounds it as well (a loop running zero times never reads its counters).
        Reg LastOfLoop()
        {
            var r = state.Fresh($"{loop.Var.Name}_last", MType.I64);
            var k1 = state.Fresh($"{loop.Var.Name}_one", MType.I64);
            before.Add(new ConstStmt(k1, Scalar.Int(1)));
            before.Add(new BinaryStmt(r, BinaryOp.Sub, loop.Upper, k1));
            return r;
        }

        Reg Const(long v)
        {
            var r = state.Fresh($"{loop.Var.Name}_k{v}", MType.I64);
            before.Add(new ConstStmt(r, Scalar.Int(v)));
            return r;
        }
    }
}
