using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>An inclusive range <c>[Lo, Hi]</c> of an i64 expression's values.</summary>
public readonly record struct IndexRange(long Lo, long Hi)
{
    public bool IsConstant => Lo == Hi;
    public override string ToString() => $"[{Lo}, {Hi}]";
}

/// <summary>Keeps the index expressions that views build small and readable: folds constants (with
/// <see cref="ScalarSemantics"/>, so folding never changes a value), normalises i64 sums to a linear form
/// (<c>(x + 1) + 2 → x + 3</c>, <c>x * 1 → x</c>, <c>x + 0 → x</c>), and uses value ranges to remove divisions,
/// remainders, comparisons, clamps and selects whose outcome is known (<c>(i * 4 + j) / 4 → i</c> when
/// <c>j ∈ [0, 4)</c>). Ranges come from <em>facts</em>: a view knows that the indices it is given lie in its shape.
/// Only index arithmetic (i64 add/sub/mul, floordiv/mod by positive constants, comparisons, min/max) is rewritten;
/// every rewrite is exact for the integers the expression can take.</summary>
public static class IndexSimplifier
{
    /// <summary>Simplifies <paramref name="e"/> knowing nothing about its variables.</summary>
    public static Expr Simplify(Expr e) => new Simplifier(null).Visit(e);

    /// <summary>Simplifies <paramref name="e"/> where each key of <paramref name="facts"/> (an i64 expression) is
    /// known to lie in its range wherever <paramref name="e"/> is evaluated.</summary>
    public static Expr Simplify(Expr e, IReadOnlyDictionary<Expr, IndexRange>? facts) => new Simplifier(facts).Visit(e);

    /// <summary>The facts of a value's indices: <c>indices[d] ∈ [0, shape[d])</c>.</summary>
    public static Dictionary<Expr, IndexRange> Facts(IReadOnlyList<Expr> indices, IReadOnlyList<long> shape)
    {
        var facts = new Dictionary<Expr, IndexRange>();
        for (int d = 0; d < indices.Count && d < shape.Count; d++)
        {
            if (shape[d] <= 0) continue;
            var r = new IndexRange(0, shape[d] - 1);
            // The same expression may index two dims (a diagonal): keep the tighter range.
            facts[indices[d]] = facts.TryGetValue(indices[d], out var old) ? new(Math.Max(old.Lo, r.Lo), Math.Min(old.Hi, r.Hi)) : r;
        }
        return facts;
    }

    /// <summary>The range of an i64 expression under <paramref name="facts"/>, if it can be bounded.</summary>
    public static IndexRange? RangeOf(Expr e, IReadOnlyDictionary<Expr, IndexRange>? facts = null) => new Simplifier(facts).Range(e);

    private sealed class Simplifier(IReadOnlyDictionary<Expr, IndexRange>? facts)
    {
        public Expr Visit(Expr e)
        {
            if (e.Type == DataType.Int64 && facts is not null && facts.TryGetValue(e, out var f) && f.IsConstant)
                return Expr.Index(f.Lo);
            return e switch
            {
                Load l => l with { Indices = l.Indices.Select(Visit).ToImmutableArray() },
                Unary u => VisitUnary(u.Op, Visit(u.X)) is var v && v is Unary { Op: UnaryOp.Abs } abs && abs.Type == DataType.Int64 ? Abs(abs) : v,
                Cast c => VisitCast(Visit(c.X), c.To),
                Select s => VisitSelect(s),
                Binary b => VisitBinary(b.Op, Visit(b.A), Visit(b.B)),
                _ => e,
            };
        }

        private static Expr VisitUnary(UnaryOp op, Expr x)
        {
            if (x is Constant c && TryFold(() => ScalarSemantics.Unary(op, c.Type, c.Value), ScalarSemantics.ResultType(op, c.Type)) is { } folded)
                return folded;
            if (op == UnaryOp.Not && x is Unary { Op: UnaryOp.Not } inner) return inner.X;
            return new Unary(op, x);
        }

        private static Expr VisitCast(Expr x, DataType to)
        {
            if (x.Type == to) return x;
            if (x is Constant c && TryFold(() => ScalarSemantics.Cast(c.Value, c.Type, to), to) is { } folded) return folded;
            return new Cast(x, to);
        }

        private Expr VisitSelect(Select s)
        {
            var cond = Visit(s.Condition);
            if (cond is Constant c) return Visit(c.Value.AsBool ? s.IfTrue : s.IfFalse);
            var a = Visit(s.IfTrue);
            var b = Visit(s.IfFalse);
            return a.Equals(b) ? a : new Select(cond, a, b);
        }

        private Expr VisitBinary(BinaryOp op, Expr a, Expr b)
        {
            if (a is Constant ca && b is Constant cb
                && TryFold(() => ScalarSemantics.Binary(op, ca.Type, ca.Value, cb.Value), ScalarSemantics.ResultType(op, ca.Type)) is { } folded)
                return folded;
            if (a.Type == DataType.Bool && op is BinaryOp.And or BinaryOp.Or)
                return Logical(op, a, b);
            if (a.Type != DataType.Int64) return new Binary(op, a, b);
            try
            {
                return op switch
                {
                    BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul => Arithmetic(op, a, b),
                    BinaryOp.FloorDiv => b is Constant { Value.I: > 0 } d ? FloorDiv(a, d.Value.I) : new Binary(op, a, b),
                    BinaryOp.Div => b is Constant { Value.I: > 0 } d && Range(a) is { Lo: >= 0 } ? FloorDiv(a, d.Value.I) : new Binary(op, a, b),
                    BinaryOp.Mod => b is Constant { Value.I: > 0 } m ? Mod(a, m.Value.I) : new Binary(op, a, b),
                    BinaryOp.Max or BinaryOp.Min => MinMax(op, a, b),
                    _ when op.IsComparison() => Compare(op, a, b),
                    _ => new Binary(op, a, b),
                };
            }
            catch (OverflowException)
            {
                return new Binary(op, a, b);
            }
        }

        private static Expr Logical(BinaryOp op, Expr a, Expr b)
        {
            bool and = op == BinaryOp.And;
            foreach (var (x, y) in new[] { (a, b), (b, a) })
                if (x is Constant c)
                    return c.Value.AsBool == and ? y : Bool(!and);
            return a.Equals(b) ? a : new Binary(op, a, b);
        }

        private Expr Arithmetic(BinaryOp op, Expr a, Expr b)
        {
            if (op == BinaryOp.Mul && a is not Constant && b is not Constant)
                return new Binary(op, a, b);
            return Linear.Of(this, new Binary(op, a, b)).ToExpr();
        }

        private Expr FloorDiv(Expr x, long c)
        {
            if (c == 1) return x;
            if (x is Binary { Op: BinaryOp.FloorDiv, B: Constant { Value.I: > 0 } inner } nested)
                return FloorDiv(nested.A, checked(inner.Value.I * c));
            var linear = Linear.Of(this, x);
            // Splitting is exact for integers, not for i64 sums that may wrap: only when every term is bounded.
            if (Range(linear) is null) return new Binary(BinaryOp.FloorDiv, linear.ToExpr(), Expr.Index(c));
            var (q, r) = linear.Split(c);
            if (r.IsConstant) return q.ToExpr();
            if (Range(r) is { } rr && FloorDivLong(rr.Lo, c) == FloorDivLong(rr.Hi, c))
                return q.Add(FloorDivLong(rr.Lo, c)).ToExpr();
            // x = g·q' + r' with r' in [0, g) for a factor g of c: x / c = q' / (c / g).
            if (ExactFactor(linear, c) is var (g, qg)) return FloorDiv(qg.ToExpr(), c / g);
            var rest = new Binary(BinaryOp.FloorDiv, r.ToExpr(), Expr.Index(c));
            return q.IsZero ? rest : q.AddTerm(rest, 1).ToExpr();
        }

        /// <summary>A factor g of <paramref name="c"/> (1 &lt; g &lt; c, from the terms' coefficients) such that
        /// <c>x = g·q + r</c> with r provably in [0, g); the largest such g, and q.</summary>
        private (long G, Linear Q)? ExactFactor(Linear x, long c)
        {
            (long, Linear)? best = null;
            foreach (var (_, k) in x.Terms)
            {
                long g = (long)System.Numerics.BigInteger.GreatestCommonDivisor(k, c);
                if (g <= 1 || g >= c || best is { } b && b.Item1 >= g) continue;
                var (q, r) = x.Split(g);
                if (Range(r) is { Lo: >= 0 } rr && rr.Hi < g) best = (g, q);
            }
            return best;
        }

        private Expr Mod(Expr x, long c)
        {
            if (c == 1) return Expr.Index(0);
            if (x is Binary { Op: BinaryOp.Mod, B: Constant { Value.I: > 0 } inner } nested && inner.Value.I % c == 0)
                return Mod(nested.A, c);
            var linear = Linear.Of(this, x);
            if (Range(linear) is null) return new Binary(BinaryOp.Mod, linear.ToExpr(), Expr.Index(c));
            var (_, r) = linear.Split(c);
            if (Range(r) is { } rr && FloorDivLong(rr.Lo, c) == FloorDivLong(rr.Hi, c))
                return r.Add(-FloorDivLong(rr.Lo, c) * c).ToExpr();
            // x = g·q' + r' with r' in [0, g): x mod c = g·(q' mod (c / g)) + r'.
            if (ExactFactor(linear, c) is var (g, qg))
            {
                var (_, low) = linear.Split(g);
                return Linear.Of(this, Mod(qg.ToExpr(), c / g)).Scale(g).Plus(low).ToExpr();
            }
            return new Binary(BinaryOp.Mod, r.ToExpr(), Expr.Index(c));
        }

        /// <summary>|x| of an i64 whose sign is known.</summary>
        private Expr Abs(Unary abs)
        {
            if (Range(abs.X) is { Lo: >= 0 }) return abs.X;
            if (Range(abs.X) is { Hi: <= 0 } r && r.Lo != long.MinValue) return Linear.Of(this, abs.X).Scale(-1).ToExpr();
            return abs;
        }

        private Expr MinMax(BinaryOp op, Expr a, Expr b)
        {
            if (a.Equals(b)) return a;
            if (Range(Linear.Of(this, a).Subtract(Linear.Of(this, b))) is { } d)
            {
                if (d.Lo >= 0) return op == BinaryOp.Max ? a : b;
                if (d.Hi <= 0) return op == BinaryOp.Max ? b : a;
            }
            return new Binary(op, a, b);
        }

        private Expr Compare(BinaryOp op, Expr a, Expr b)
        {
            var diff = Linear.Of(this, a).Subtract(Linear.Of(this, b));
            if (Range(diff) is { } d)
            {
                bool? known = op switch
                {
                    BinaryOp.Lt => d.Hi < 0 ? true : d.Lo >= 0 ? false : null,
                    BinaryOp.Le => d.Hi <= 0 ? true : d.Lo > 0 ? false : null,
                    BinaryOp.Gt => d.Lo > 0 ? true : d.Hi <= 0 ? false : null,
                    BinaryOp.Ge => d.Lo >= 0 ? true : d.Hi < 0 ? false : null,
                    BinaryOp.Eq => d.IsConstant ? d.Lo == 0 : d.Lo > 0 || d.Hi < 0 ? false : null,
                    _ => d.IsConstant ? d.Lo != 0 : d.Lo > 0 || d.Hi < 0 ? true : null,
                };
                if (known is { } k) return Bool(k);
            }
            // Terms on the left, the constant on the right: ge(sub(i, 1), 0) → ge(i, 1). Only for bounded terms, where
            // moving a term across cannot change the outcome through wrap-around.
            if (diff.IsConstant || diff.Constant == long.MinValue || Range(diff) is null) return new Binary(op, a, b);
            long c = -diff.Constant;
            if (diff.Terms.All(t => t.Coef < 0))
            {
                diff = diff.Scale(-1);
                c = -c;
                op = op switch { BinaryOp.Lt => BinaryOp.Gt, BinaryOp.Le => BinaryOp.Ge, BinaryOp.Gt => BinaryOp.Lt, BinaryOp.Ge => BinaryOp.Le, _ => op };
            }
            // Positive terms left; negative terms (negated) and the constant right: eq(sub(j, i), 0) → eq(j, i).
            var left = new Linear();
            var right = new Linear().Add(c);
            foreach (var (t, k) in diff.Terms)
                if (k > 0) left.AddTerm(t, k); else right.AddTerm(t, checked(-k));
            return new Binary(op, left.ToExpr(), right.ToExpr());
        }

        // ---- ranges ----

        public IndexRange? Range(Expr e)
        {
            if (e.Type != DataType.Int64) return null;
            if (facts is not null && facts.TryGetValue(e, out var f)) return f;
            switch (e)
            {
                case Constant c: return new(c.Value.I, c.Value.I);
                case Binary { Op: BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul } b:
                    return Combine(b.Op, Range(b.A), Range(b.B));
                case Binary { Op: BinaryOp.FloorDiv, B: Constant { Value.I: > 0 } d } b when Range(b.A) is { } q:
                    return new(FloorDivLong(q.Lo, d.Value.I), FloorDivLong(q.Hi, d.Value.I));
                case Binary { Op: BinaryOp.Mod, B: Constant { Value.I: > 0 } m } b:
                    return Range(b.A) is { Lo: >= 0 } r && r.Hi < m.Value.I ? r : new(0, m.Value.I - 1);
                case Binary { Op: BinaryOp.Max or BinaryOp.Min } b when Range(b.A) is { } x && Range(b.B) is { } y:
                    return b.Op == BinaryOp.Max ? new(Math.Max(x.Lo, y.Lo), Math.Max(x.Hi, y.Hi)) : new(Math.Min(x.Lo, y.Lo), Math.Min(x.Hi, y.Hi));
                case Select s when Range(s.IfTrue) is { } x && Range(s.IfFalse) is { } y:
                    return new(Math.Min(x.Lo, y.Lo), Math.Max(x.Hi, y.Hi));
                case Unary { Op: UnaryOp.Neg } u when Range(u.X) is { } g && g.Lo != long.MinValue:
                    return new(-g.Hi, -g.Lo);
                case Unary { Op: UnaryOp.Abs } u when Range(u.X) is { } g && g.Lo != long.MinValue:
                    return g.Lo >= 0 ? g : g.Hi <= 0 ? new(-g.Hi, -g.Lo) : new(0, Math.Max(-g.Lo, g.Hi));
                case Cast c when c.X.Type is DataType.Bool: return new(0, 1);
                case Cast c when c.X.Type is DataType.Int8: return new(sbyte.MinValue, sbyte.MaxValue);
                case Cast c when c.X.Type is DataType.Int16: return new(short.MinValue, short.MaxValue);
                case Cast c when c.X.Type is DataType.Int32: return new(int.MinValue, int.MaxValue);
                case Cast c when c.X.Type is DataType.UInt8: return new(0, byte.MaxValue);
                case Cast c when c.X.Type is DataType.UInt16: return new(0, ushort.MaxValue);
                case Cast c when c.X.Type is DataType.UInt32: return new(0, uint.MaxValue);
                default: return null;
            }
        }

        public IndexRange? Range(Linear l)
        {
            Int128 lo = l.Constant, hi = l.Constant;
            foreach (var (t, k) in l.Terms)
            {
                if (Range(t) is not { } r) return null;
                Int128 a = (Int128)r.Lo * k, b = (Int128)r.Hi * k;
                lo += Int128.Min(a, b);
                hi += Int128.Max(a, b);
            }
            return Fits(lo) && Fits(hi) ? new((long)lo, (long)hi) : null;
        }

        private static IndexRange? Combine(BinaryOp op, IndexRange? x, IndexRange? y)
        {
            if (x is not { } a || y is not { } b) return null;
            Int128 lo, hi;
            switch (op)
            {
                case BinaryOp.Add: lo = (Int128)a.Lo + b.Lo; hi = (Int128)a.Hi + b.Hi; break;
                case BinaryOp.Sub: lo = (Int128)a.Lo - b.Hi; hi = (Int128)a.Hi - b.Lo; break;
                default:
                    Int128[] p = [(Int128)a.Lo * b.Lo, (Int128)a.Lo * b.Hi, (Int128)a.Hi * b.Lo, (Int128)a.Hi * b.Hi];
                    lo = p.Min(); hi = p.Max();
                    break;
            }
            return Fits(lo) && Fits(hi) ? new((long)lo, (long)hi) : null;
        }

        private static bool Fits(Int128 v) => v >= long.MinValue && v <= long.MaxValue;
    }

    private static long FloorDivLong(long p, long q)
    {
        long d = p / q;
        return p % q != 0 && (p < 0) != (q < 0) ? d - 1 : d;
    }

    private static Constant Bool(bool v) => new(Scalar.Bool(v), DataType.Bool);

    private static Expr? TryFold(Func<Scalar> fold, DataType type)
    {
        try { return new Constant(fold(), type); }
        catch (StrataException) { return null; }
    }

    /// <summary>An i64 sum <c>Σ coef·term + constant</c>; terms keep their first-seen order, so rebuilt
    /// expressions read like the ones written.</summary>
    private sealed class Linear
    {
        public List<(Expr Term, long Coef)> Terms { get; } = [];
        public long Constant { get; private set; }

        public bool IsConstant => Terms.Count == 0;
        public bool IsZero => Terms.Count == 0 && Constant == 0;

        public static Linear Of(Simplifier s, Expr e)
        {
            var l = new Linear();
            l.Accumulate(e, 1);
            return l;
        }

        private void Accumulate(Expr e, long k)
        {
            switch (e)
            {
                case Constant c: Constant = checked(Constant + c.Value.I * k); return;
                case Binary { Op: BinaryOp.Add } b: Accumulate(b.A, k); Accumulate(b.B, k); return;
                case Binary { Op: BinaryOp.Sub } b: Accumulate(b.A, k); Accumulate(b.B, checked(-k)); return;
                case Binary { Op: BinaryOp.Mul, B: Constant c } b: Accumulate(b.A, checked(k * c.Value.I)); return;
                case Binary { Op: BinaryOp.Mul, A: Constant c } b: Accumulate(b.B, checked(k * c.Value.I)); return;
                case Unary { Op: UnaryOp.Neg } u: Accumulate(u.X, checked(-k)); return;
                default: AddTerm(e, k); return;
            }
        }

        public Linear AddTerm(Expr t, long k)
        {
            int i = Terms.FindIndex(x => x.Term.Equals(t));
            if (i < 0) { if (k != 0) Terms.Add((t, k)); }
            else if (Terms[i].Coef + k == 0) Terms.RemoveAt(i);
            else Terms[i] = (t, checked(Terms[i].Coef + k));
            return this;
        }

        public Linear Add(long c) { Constant = checked(Constant + c); return this; }

        public Linear Scale(long k)
        {
            var r = new Linear { Constant = checked(Constant * k) };
            foreach (var (t, c) in Terms) r.AddTerm(t, checked(c * k));
            return r;
        }

        public Linear Plus(Linear other)
        {
            var r = Copy();
            foreach (var (t, k) in other.Terms) r.AddTerm(t, k);
            r.Constant = checked(r.Constant + other.Constant);
            return r;
        }

        public Linear Subtract(Linear other)
        {
            var r = Copy();
            foreach (var (t, k) in other.Terms) r.AddTerm(t, checked(-k));
            r.Constant = checked(r.Constant - other.Constant);
            return r;
        }

        /// <summary>Splits into <c>c·q + r</c>: q gets the terms whose coefficient <paramref name="c"/> divides (divided),
        /// and the constant's floor quotient; r the other terms and the constant's remainder in [0, c).</summary>
        public (Linear Q, Linear R) Split(long c)
        {
            var q = new Linear();
            var r = new Linear();
            foreach (var (t, k) in Terms)
                if (k % c == 0) q.AddTerm(t, k / c);
                else r.AddTerm(t, k);
            long cq = FloorDivLong(Constant, c);
            q.Constant = cq;
            r.Constant = Constant - cq * c;
            return (q, r);
        }

        private Linear Copy()
        {
            var r = new Linear { Constant = Constant };
            r.Terms.AddRange(Terms);
            return r;
        }

        /// <summary>The sum as an expression: the first positive term (else the constant, else a negated term) leads,
        /// the other terms follow in order as adds and subs, then the constant: <c>sub(9, mul(i, 3))</c>, <c>add(i, 4)</c>.</summary>
        public Expr ToExpr()
        {
            if (Terms.Count == 0) return Expr.Index(Constant);
            int lead = Terms.FindIndex(t => t.Coef > 0);
            bool constantLeads = lead < 0 && Constant != 0;
            Expr acc = lead >= 0 ? Piece(Terms[lead].Term, Terms[lead].Coef)
                : constantLeads ? Expr.Index(Constant)
                : new Binary(BinaryOp.Mul, Terms[0].Term, Expr.Index(Terms[0].Coef));
            if (lead < 0 && !constantLeads) lead = 0;
            for (int i = 0; i < Terms.Count; i++)
            {
                if (i == lead) continue;
                var (t, k) = Terms[i];
                acc = k > 0 || k == long.MinValue
                    ? new Binary(BinaryOp.Add, acc, Piece(t, k))
                    : new Binary(BinaryOp.Sub, acc, Piece(t, -k));
            }
            if (Constant == 0 || constantLeads) return acc;
            return Constant > 0 || Constant == long.MinValue
                ? new Binary(BinaryOp.Add, acc, Expr.Index(Constant))
                : new Binary(BinaryOp.Sub, acc, Expr.Index(-Constant));
        }

        private static Expr Piece(Expr t, long k) => k == 1 ? t : new Binary(BinaryOp.Mul, t, Expr.Index(k));
    }
}
