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
    /// <remarks>With <paramref name="keepNarrowed"/>, a register that a condition narrowed (its interval is tighter than
    /// its computation's) stays an atom, so that the narrowing is not lost; callers try both ways.</remarks>
    private Linear Lin(State st, Reg r, int depth, bool keepNarrowed = false)
    {
        if (r.Type != MType.I64 || depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return Linear.Atom(r);
        var computed = Compute(def, x => Eval(st, x, 0));
        if (def is not ConstStmt && computed == Interval.Top) return Linear.Atom(r);
        if (keepNarrowed && def is not ConstStmt && st.Get(r).Intersect(computed) != computed) return Linear.Atom(r);
        switch (def)
        {
            case ConstStmt c:
                return Linear.Of(c.Value.I);
            case MoveStmt m:
                return Lin(st, m.Source, depth + 1, keepNarrowed);
            case BinaryStmt { Op: BinaryOp.Add or BinaryOp.Sub } b when b.A.Type == MType.I64 && b.B.Type == MType.I64:
                return Lin(st, b.A, depth + 1, keepNarrowed).Plus(Lin(st, b.B, depth + 1, keepNarrowed), b.Op == BinaryOp.Add ? 1 : -1);
            case BinaryStmt { Op: BinaryOp.Mul } b when b.A.Type == MType.I64 && b.B.Type == MType.I64:
                if (Eval(st, b.B, 0) is { IsConstant: true } kb) return Lin(st, b.A, depth + 1, keepNarrowed).Times(kb.Lo);
                if (Eval(st, b.A, 0) is { IsConstant: true } ka) return Lin(st, b.B, depth + 1, keepNarrowed).Times(ka.Lo);
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

    /// <summary>An upper bound of index + <paramref name="r"/> for executions where r ≥ 1 (an access with count r
    /// touches nothing otherwise), splitting min/max of r; the index is linearised both ways (see <see cref="Lin"/>).</summary>
    private Int128 UpperEnd(State st, Reg index, Reg r, int depth) =>
        Int128.Min(UpperSum(st, Lin(st, index, 0), r, depth), UpperSum(st, Lin(st, index, 0, keepNarrowed: true), r, depth));

    private Int128 UpperSum(State st, Linear offset, Reg r, int depth)
    {
        Int128 direct = Int128.Min(Upper(st, offset.Plus(Lin(st, r, 0), 1)), Upper(st, offset.Plus(Lin(st, r, 0, keepNarrowed: true), 1)));
        if (depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return direct;
        return def switch
        {
            BinaryStmt { Op: BinaryOp.Min } b when b.A.Type == MType.I64 => Int128.Min(direct, Int128.Min(UpperSum(st, offset, b.A, depth + 1), UpperSum(st, offset, b.B, depth + 1))),
            // max(a, b) ≥ 1 with b ≤ 0 is a.
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 && Eval(st, b.B, 0).Hi <= 0 => Int128.Min(direct, UpperSum(st, offset, b.A, depth + 1)),
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 && Eval(st, b.A, 0).Hi <= 0 => Int128.Min(direct, UpperSum(st, offset, b.B, depth + 1)),
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 => Int128.Min(direct, Int128.Max(UpperSum(st, offset, b.A, depth + 1), UpperSum(st, offset, b.B, depth + 1))),
            MoveStmt m => Int128.Min(direct, UpperSum(st, offset, m.Source, depth + 1)),
            _ => direct,
        };
    }

    /// <summary>A lower bound of index + <paramref name="r"/> (the first lane of an access <c>from r</c> is at least
    /// that), splitting min/max of r; the index is linearised both ways (see <see cref="Lin"/>). A head mask's
    /// <c>from = sub(%lo, %a)</c> with index <c>%base + %a</c> starts at <c>%base + %lo</c>.</summary>
    private Int128 LowerStart(State st, Reg index, Reg r, int depth) =>
        Int128.Max(LowerSum(st, Lin(st, index, 0), r, depth), LowerSum(st, Lin(st, index, 0, keepNarrowed: true), r, depth));

    private Int128 LowerSum(State st, Linear offset, Reg r, int depth)
    {
        Int128 direct = Int128.Max(Lower(st, offset.Plus(Lin(st, r, 0), 1)), Lower(st, offset.Plus(Lin(st, r, 0, keepNarrowed: true), 1)));
        if (depth > MaxDepth || !st.Defs.TryGetValue(r.Name, out var def)) return direct;
        return def switch
        {
            BinaryStmt { Op: BinaryOp.Max } b when b.A.Type == MType.I64 => Int128.Max(direct, Int128.Max(LowerSum(st, offset, b.A, depth + 1), LowerSum(st, offset, b.B, depth + 1))),
            BinaryStmt { Op: BinaryOp.Min } b when b.A.Type == MType.I64 => Int128.Max(direct, Int128.Min(LowerSum(st, offset, b.A, depth + 1), LowerSum(st, offset, b.B, depth + 1))),
            MoveStmt m => Int128.Max(direct, LowerSum(st, offset, m.Source, depth + 1)),
            _ => direct,
        };
    }

    /// <summary>Narrows <paramref name="st"/> to the executions where <paramref name="r"/> ≥ 1: min(a, b) ≥ 1 needs both;
    /// max(a, b) ≥ 1 with b ≤ 0 needs a; select(c, a, b) ≥ 1 with b ≤ 0 needs c and a; a - b ≥ 1 bounds a and b.
    /// This is how a lowering's count <c>min(select(%row_ok, 8, 0), max(%n - %j, 0))</c> carries its conditions.</summary>
    private void AssumePositive(State st, Reg r, int depth)
    {
        if (st.Dead || depth > MaxDepth || r.Type != MType.I64) return;
        var iv = Eval(st, r, 0).Intersect(new Interval(1, long.MaxValue));
        if (iv.IsEmpty) { st.Dead = true; return; }
        st.Iv[r.Name] = iv;
        st.Touch();
        if (!st.Defs.TryGetValue(r.Name, out var def)) return;
        switch (def)
        {
            case MoveStmt m:
                AssumePositive(st, m.Source, depth + 1);
                break;
            case BinaryStmt { Op: BinaryOp.Min } b:
                AssumePositive(st, b.A, depth + 1);
                AssumePositive(st, b.B, depth + 1);
                break;
            case BinaryStmt { Op: BinaryOp.Max } b:
                if (Eval(st, b.B, 0).Hi <= 0) AssumePositive(st, b.A, depth + 1);
                else if (Eval(st, b.A, 0).Hi <= 0) AssumePositive(st, b.B, depth + 1);
                break;
            case SelectStmt s when !s.Condition.Type.IsVector:
                if (Eval(st, s.IfFalse, 0).Hi <= 0) { Refine(st, s.Condition, true, 0); AssumePositive(st, s.IfTrue, depth + 1); }
                else if (Eval(st, s.IfTrue, 0).Hi <= 0) { Refine(st, s.Condition, false, 0); AssumePositive(st, s.IfFalse, depth + 1); }
                break;
            case BinaryStmt { Op: BinaryOp.Sub } b when b.A.Type == MType.I64 && b.B.Type == MType.I64 && Compute(b, x => Eval(st, x, 0)) != Interval.Top:
            {
                var (x, y) = (Eval(st, b.A, 0), Eval(st, b.B, 0));
                var nx = x.Intersect(Above(y.Lo, 1));
                var ny = y.Intersect(Below(x.Hi, 1));
                if (nx.IsEmpty || ny.IsEmpty) { st.Dead = true; return; }
                st.Iv[b.A.Name] = nx;
                st.Iv[b.B.Name] = ny;
                st.Touch();
                break;
            }
        }
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
