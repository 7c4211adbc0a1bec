using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Machine.Verification;

/// <summary>Linear forms: an i64 register written as Σ cᵢ·atomᵢ + k over registers whose values are current, so
/// that bounds of sums keep what cancels (<c>(base + off) + (span - off) = base + span</c>, which intervals lose).</summary>
public sealed partial class BoundsAnalysis
{
    private sealed record Linear(ImmutableDictionary<Reg, Int128> Terms, Int128 Constant)
    {
        public static Linear Of(Int128 k) => new(ImmutableDictionary<Reg, Int128>.Empty, k);
        public static Linear Atom(Reg r) => new(ImmutableDictionary<Reg, Int128>.Empty.Add(r, 1), 0);

        public Linear Plus(Linear o, int sign)
        {
            var terms = Terms.ToBuilder();
            foreach (var (r, c) in o.Terms)
            {
                var sum = terms.GetValueOrDefault(r) + sign * c;
                if (sum == 0) terms.Remove(r); else terms[r] = sum;
            }
            return new(terms.ToImmutable(), Constant + sign * o.Constant);
        }

        public Linear Times(long k) => k == 0 ? Of(0) : new(Terms.ToImmutableDictionary(kv => kv.Key, kv => kv.Value * k), Constant * k);
    }

    /// <summary>The register as a linear form. A computation is expanded only if its result cannot have wrapped (its
    /// interval, from the operands' intervals, fits in i64), so the form is exact.</summary>
    private Linear Lin(State st, Reg r, int depth)
    {
        if (r.Type != MType.I64 || depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return Linear.Atom(r);
        if (def is not ConstStmt && Compute(def, x => Eval(st, x, 0)) == Interval.Top) return Linear.Atom(r);
        switch (def)
        {
            case ConstStmt c:
                return Linear.Of(c.Value.I);
            case MoveStmt m:
                return Lin(st, m.Source, depth + 1);
            case BinaryStmt { Op: BinaryOp.Add or BinaryOp.Sub } b when b.A.Type == MType.I64 && b.B.Type == MType.I64:
                return Lin(st, b.A, depth + 1).Plus(Lin(st, b.B, depth + 1), b.Op == BinaryOp.Add ? 1 : -1);
            case BinaryStmt { Op: BinaryOp.Mul } b when b.A.Type == MType.I64 && b.B.Type == MType.I64:
                if (Eval(st, b.B, 0) is { IsConstant: true } kb) return Lin(st, b.A, depth + 1).Times(kb.Lo);
                if (Eval(st, b.A, 0) is { IsConstant: true } ka) return Lin(st, b.B, depth + 1).Times(ka.Lo);
                return Linear.Atom(r);
            default:
                return Linear.Atom(r);
        }
    }

    private Int128 Upper(State st, Linear f)
    {
        Int128 sum = f.Constant;
        foreach (var (r, c) in f.Terms)
        {
            var iv = Eval(st, r, 0);
            sum += c > 0 ? c * iv.Hi : c * iv.Lo;
        }
        return sum;
    }

    private Int128 Lower(State st, Linear f)
    {
        Int128 sum = f.Constant;
        foreach (var (r, c) in f.Terms)
        {
            var iv = Eval(st, r, 0);
            sum += c > 0 ? c * iv.Lo : c * iv.Hi;
        }
        return sum;
    }

    /// <summary>An upper bound of <paramref name="offset"/> + <paramref name="r"/>, splitting min/max of r.</summary>
    private Int128 UpperSum(State st, Linear offset, Reg r, int depth)
    {
        Int128 direct = Upper(st, offset.Plus(Lin(st, r, 0), 1));
        if (depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return direct;
        return def switch
        {
            BinaryStmt { Op: BinaryOp.Min } b when b.A.Type == MType.I64 => Int128.Min(direct, Int128.Min(UpperSum(st, offset, b.A, depth + 1), UpperSum(st, offset, b.B, depth + 1))),
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 => Int128.Min(direct, Int128.Max(UpperSum(st, offset, b.A, depth + 1), UpperSum(st, offset, b.B, depth + 1))),
            MoveStmt m => Int128.Min(direct, UpperSum(st, offset, m.Source, depth + 1)),
            _ => direct,
        };
    }

    /// <summary>A lower bound of <paramref name="r"/>, splitting min/max.</summary>
    private Int128 LowerOf(State st, Reg r, int depth)
    {
        Int128 direct = Int128.Max(Eval(st, r, 0).Lo, Lower(st, Lin(st, r, 0)));
        if (depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return direct;
        return def switch
        {
            BinaryStmt { Op: BinaryOp.Min } b when b.A.Type == MType.I64 => Int128.Max(direct, Int128.Min(LowerOf(st, b.A, depth + 1), LowerOf(st, b.B, depth + 1))),
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 => Int128.Max(direct, Int128.Max(LowerOf(st, b.A, depth + 1), LowerOf(st, b.B, depth + 1))),
            MoveStmt m => Int128.Max(direct, LowerOf(st, m.Source, depth + 1)),
            _ => direct,
        };
    }
}
