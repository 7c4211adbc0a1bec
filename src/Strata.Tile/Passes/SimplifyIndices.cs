using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>Simplifies index arithmetic (and folds constants) using what is known about each axis' range:
/// <list type="bullet">
/// <item>operations on literals are evaluated with <see cref="ScalarSemantics"/> (the same meaning the interpreters give);</item>
/// <item>integer identities: <c>x + 0</c>, <c>x * 1</c>, <c>x * 0</c>, <c>floordiv(x, 1)</c>, <c>mod(x, 1)</c>;</item>
/// <item>i64 <c>floordiv</c>/<c>mod</c> by a positive literal split a linear form <c>Σ cᵢ·xᵢ + k</c> into a part divisible
/// by the divisor and a remainder whose range lies in <c>[0, d)</c>, so reshape chains such as
/// <c>floordiv(add(mul(i, 4), j), 4)</c> with <c>j &lt; 4</c> become <c>i</c>;</item>
/// <item>i64 comparisons, <c>max</c>/<c>min</c> decided by ranges; selects with a known condition pick their branch.</item>
/// </list>
/// Ranges come from the axis extents (an axis <c>i = 8</c> ranges over 0…7); loads have unknown range. Arithmetic on
/// ranges that could overflow gives up, so no rewrite depends on wrap-around.</summary>
public sealed class SimplifyIndices : ITilePass
{
    public string Name => "SimplifyIndices";

    public TileKernel Run(TileKernel kernel)
    {
        var simplifier = new IndexSimplifier(kernel.Axes.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First().Extent, StringComparer.Ordinal));
        bool changed = false;
        var comps = kernel.Computations.Select(c =>
        {
            var body = simplifier.Simplify(c.Body);
            if (body.Equals(c.Body)) return c;
            changed = true;
            return c with { Body = body };
        }).ToImmutableArray();
        return changed ? kernel with { Computations = comps } : kernel;
    }
}

/// <summary>The rewriting behind <see cref="SimplifyIndices"/>, usable on single expressions.</summary>
public sealed class IndexSimplifier(IReadOnlyDictionary<string, long> extents)
{
    private readonly record struct Interval(long Lo, long Hi);

    public Expr Simplify(Expr e) => e switch
    {
        Load l => new Load(l.Buffer, [.. l.Indices.Select(Simplify)], l.ElementType),
        Unary u => SimplifyUnary(u.Op, Simplify(u.X)),
        Binary b => SimplifyBinary(b.Op, Simplify(b.A), Simplify(b.B)),
        Select s => SimplifySelect(Simplify(s.Condition), s.IfTrue, s.IfFalse),
        Cast c => SimplifyCast(Simplify(c.X), c.To),
        _ => e,
    };

    private Expr SimplifySelect(Expr condition, Expr ifTrue, Expr ifFalse)
    {
        if (condition is Constant c) return Simplify(c.Value.AsBool ? ifTrue : ifFalse);
        var t = Simplify(ifTrue);
        var f = Simplify(ifFalse);
        return t.Equals(f) ? t : new Select(condition, t, f);
    }

    private static Expr SimplifyCast(Expr x, DataType to)
    {
        if (x.Type == to) return x;
        if (x is Constant c && Try(() => ScalarSemantics.Cast(c.Value, c.ConstantType, to)) is { } v) return new Constant(v, to);
        return new Cast(x, to);
    }

    private static Expr SimplifyUnary(UnaryOp op, Expr x)
    {
        if (x is Constant c && Try(() => ScalarSemantics.Unary(op, c.ConstantType, c.Value)) is { } v)
            return new Constant(v, ScalarSemantics.ResultType(op, c.ConstantType));
        return new Unary(op, x);
    }

    private Expr SimplifyBinary(BinaryOp op, Expr a, Expr b)
    {
        var type = a.Type;
        if (a is Constant ca && b is Constant cb && Try(() => ScalarSemantics.Binary(op, type, ca.Value, cb.Value)) is { } v)
            return new Constant(v, ScalarSemantics.ResultType(op, type));
        if (type == DataType.Bool && op is BinaryOp.And or BinaryOp.Or)
        {
            if (a is Constant x) return x.Value.AsBool == (op == BinaryOp.And) ? b : a;
            if (b is Constant y) return y.Value.AsBool == (op == BinaryOp.And) ? a : b;
        }
        if (IsInteger(type))
        {
            switch (op)
            {
                case BinaryOp.Add when IsLiteral(b, 0): return a;
                case BinaryOp.Add when IsLiteral(a, 0): return b;
                case BinaryOp.Sub when IsLiteral(b, 0): return a;
                case BinaryOp.Mul when IsLiteral(b, 1): return a;
                case BinaryOp.Mul when IsLiteral(a, 1): return b;
                case BinaryOp.Mul when IsLiteral(a, 0) || IsLiteral(b, 0): return Literal(0, type);
                case BinaryOp.FloorDiv or BinaryOp.Div when IsLiteral(b, 1): return a;
                case BinaryOp.Mod when IsLiteral(b, 1): return Literal(0, type);
            }
        }
        if (type == DataType.Int64)
        {
            if (op is BinaryOp.FloorDiv or BinaryOp.Mod && b is Constant { Value.I: > 0 } d && DivMod(op, a, d.Value.I) is { } dm) return dm;
            if (op.IsComparison() && Compare(op, Range(a), Range(b)) is { } known) return new Constant(Scalar.Bool(known), DataType.Bool);
            if (op is BinaryOp.Max or BinaryOp.Min && Range(a) is { } ra && Range(b) is { } rb)
            {
                if (ra.Lo >= rb.Hi) return op == BinaryOp.Max ? a : b;
                if (rb.Lo >= ra.Hi) return op == BinaryOp.Max ? b : a;
            }
        }
        return new Binary(op, a, b);
    }

    /// <summary><c>floordiv(x, d)</c> / <c>mod(x, d)</c> for a positive literal d, through x's linear form.</summary>
    private Expr? DivMod(BinaryOp op, Expr x, long d)
    {
        // floordiv(floordiv(x, a), d) = floordiv(x, a·d); mod(mod(x, a), d) = mod(x, d) when d divides a.
        if (op == BinaryOp.FloorDiv && x is Binary { Op: BinaryOp.FloorDiv, B: Constant { Value.I: > 0 } inner } fx
            && Mul(inner.Value.I, d) is { } ad)
            return SimplifyBinary(BinaryOp.FloorDiv, fx.A, Literal(ad, DataType.Int64));
        if (op == BinaryOp.Mod && x is Binary { Op: BinaryOp.Mod, B: Constant { Value.I: > 0 } outer } mx && outer.Value.I % d == 0)
            return SimplifyBinary(BinaryOp.Mod, mx.A, Literal(d, DataType.Int64));

        if (Linear(x) is not { } form) return null;
        var (terms, k) = form;
        long kq = FloorDiv(k, d), kr = k - kq * d;
        var quotient = terms.Where(t => t.Coef % d == 0).Select(t => (t.Coef / d, t.Atom)).ToList();
        var remainder = terms.Where(t => t.Coef % d != 0).ToList();
        var rest = Build(remainder, kr);
        if (Range(rest) is not { } rr || rr.Lo < 0 || rr.Hi >= d)
        {
            // The whole of x may still lie in [0, d).
            if (Range(x) is { } rx && rx.Lo >= 0 && rx.Hi < d) return op == BinaryOp.FloorDiv ? Literal(0, DataType.Int64) : x;
            return null;
        }
        if (op == BinaryOp.Mod) return quotient.Count == 0 && kq == 0 ? x : rest;
        return Build(quotient, kq);
    }

    // ---- linear forms Σ coef·atom + constant (i64) ------------------------------------------------------------------

    private (List<(long Coef, Expr Atom)> Terms, long Constant)? Linear(Expr e)
    {
        var terms = new List<(long Coef, Expr Atom)>();
        long k = 0;
        return Accumulate(e, 1) ? (terms.Where(t => t.Coef != 0).ToList(), k) : null;

        bool Accumulate(Expr x, long scale)
        {
            switch (x)
            {
                case Constant c:
                    return AddTo(ref k, c.Value.I, scale);
                case Binary { Op: BinaryOp.Add } b:
                    return Accumulate(b.A, scale) && Accumulate(b.B, scale);
                case Binary { Op: BinaryOp.Sub } b:
                    return Accumulate(b.A, scale) && Mul(scale, -1) is { } neg && Accumulate(b.B, neg);
                case Binary { Op: BinaryOp.Mul, B: Constant cb } b:
                    return Mul(scale, cb.Value.I) is { } s1 && Accumulate(b.A, s1);
                case Binary { Op: BinaryOp.Mul, A: Constant ca } b:
                    return Mul(scale, ca.Value.I) is { } s2 && Accumulate(b.B, s2);
                case Unary { Op: UnaryOp.Neg } u:
                    return Mul(scale, -1) is { } s3 && Accumulate(u.X, s3);
                default:
                    for (int i = 0; i < terms.Count; i++)
                        if (terms[i].Atom.Equals(x))
                        {
                            long c0 = terms[i].Coef;
                            if (!AddTo(ref c0, scale, 1)) return false;
                            terms[i] = (c0, x);
                            return true;
                        }
                    terms.Add((scale, x));
                    return true;
            }
        }
    }

    private static bool AddTo(ref long acc, long v, long scale)
    {
        if (Mul(v, scale) is not { } p) return false;
        try { acc = checked(acc + p); return true; }
        catch (OverflowException) { return false; }
    }

    private static Expr Build(IReadOnlyList<(long Coef, Expr Atom)> terms, long k)
    {
        Expr? acc = null;
        foreach (var (coef, atom) in terms)
        {
            if (coef == 0) continue;
            if (acc is null)
                acc = coef == 1 ? atom : new Binary(BinaryOp.Mul, atom, Literal(coef, DataType.Int64));
            else if (coef > 0)
                acc = new Binary(BinaryOp.Add, acc, coef == 1 ? atom : new Binary(BinaryOp.Mul, atom, Literal(coef, DataType.Int64)));
            else
                acc = new Binary(BinaryOp.Sub, acc, coef == -1 ? atom : new Binary(BinaryOp.Mul, atom, Literal(-coef, DataType.Int64)));
        }
        if (acc is null) return Literal(k, DataType.Int64);
        return k == 0 ? acc : k > 0 ? new Binary(BinaryOp.Add, acc, Literal(k, DataType.Int64)) : new Binary(BinaryOp.Sub, acc, Literal(-k, DataType.Int64));
    }

    // ---- ranges (i64) ---------------------------------------------------------------------------------------------

    private Interval? Range(Expr e)
    {
        switch (e)
        {
            case Constant c when c.ConstantType == DataType.Int64:
                return new Interval(c.Value.I, c.Value.I);
            case IndexVar v:
                return extents.TryGetValue(v.Name, out var n) && n > 0 ? new Interval(0, n - 1) : null;
            case Cast c when c.To == DataType.Int64:
                return TypeRange(c.X.Type) is { } tr ? Range(c.X) ?? tr : null;
            case Select s:
                return Range(s.IfTrue) is { } t && Range(s.IfFalse) is { } f ? new Interval(Math.Min(t.Lo, f.Lo), Math.Max(t.Hi, f.Hi)) : null;
            case Binary b when b.Type == DataType.Int64:
            {
                var ra = Range(b.A);
                var rb = Range(b.B);
                if (ra is not { } x || rb is not { } y)
                {
                    if (b.Op == BinaryOp.Mod && b.B is Constant { Value.I: > 0 } m) return new Interval(0, m.Value.I - 1);
                    return null;
                }
                return b.Op switch
                {
                    BinaryOp.Add => Fit((Int128)x.Lo + y.Lo, (Int128)x.Hi + y.Hi),
                    BinaryOp.Sub => Fit((Int128)x.Lo - y.Hi, (Int128)x.Hi - y.Lo),
                    BinaryOp.Mul => MulRange(x, y),
                    BinaryOp.FloorDiv when y.Lo == y.Hi && y.Lo > 0 => new Interval(FloorDiv(x.Lo, y.Lo), FloorDiv(x.Hi, y.Lo)),
                    BinaryOp.Mod when y.Lo == y.Hi && y.Lo > 0 => x.Lo >= 0 && x.Hi < y.Lo ? x : new Interval(0, y.Lo - 1),
                    BinaryOp.Max => new Interval(Math.Max(x.Lo, y.Lo), Math.Max(x.Hi, y.Hi)),
                    BinaryOp.Min => new Interval(Math.Min(x.Lo, y.Lo), Math.Min(x.Hi, y.Hi)),
                    _ => null,
                };
            }
            default:
                return null;
        }
    }

    private static Interval? MulRange(Interval x, Interval y)
    {
        Int128[] p = [(Int128)x.Lo * y.Lo, (Int128)x.Lo * y.Hi, (Int128)x.Hi * y.Lo, (Int128)x.Hi * y.Hi];
        return Fit(p.Min(), p.Max());
    }

    private static Interval? Fit(Int128 lo, Int128 hi) =>
        lo >= long.MinValue && hi <= long.MaxValue ? new Interval((long)lo, (long)hi) : null;

    private static Interval? TypeRange(DataType t) => t switch
    {
        DataType.Bool => new Interval(0, 1),
        DataType.Int8 => new Interval(sbyte.MinValue, sbyte.MaxValue),
        DataType.UInt8 => new Interval(0, byte.MaxValue),
        DataType.Int16 => new Interval(short.MinValue, short.MaxValue),
        DataType.UInt16 => new Interval(0, ushort.MaxValue),
        DataType.Int32 => new Interval(int.MinValue, int.MaxValue),
        DataType.UInt32 => new Interval(0, uint.MaxValue),
        DataType.Int64 => new Interval(long.MinValue, long.MaxValue),
        _ => null,
    };

    private static bool? Compare(BinaryOp op, Interval? a, Interval? b)
    {
        if (a is not { } x || b is not { } y) return null;
        return op switch
        {
            BinaryOp.Lt => x.Hi < y.Lo ? true : x.Lo >= y.Hi ? false : null,
            BinaryOp.Le => x.Hi <= y.Lo ? true : x.Lo > y.Hi ? false : null,
            BinaryOp.Gt => x.Lo > y.Hi ? true : x.Hi <= y.Lo ? false : null,
            BinaryOp.Ge => x.Lo >= y.Hi ? true : x.Hi < y.Lo ? false : null,
            BinaryOp.Eq => x.Lo == x.Hi && y.Lo == y.Hi && x.Lo == y.Lo ? true : x.Hi < y.Lo || y.Hi < x.Lo ? false : null,
            BinaryOp.Ne => x.Hi < y.Lo || y.Hi < x.Lo ? true : x.Lo == x.Hi && y.Lo == y.Hi && x.Lo == y.Lo ? false : null,
            _ => null,
        };
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static bool IsInteger(DataType t) => ScalarSemantics.IsSupported(t) && !ScalarSemantics.IsFloat(t) && t != DataType.Bool;

    private static bool IsLiteral(Expr e, long v) => e is Constant c && IsInteger(c.ConstantType) && c.Value.I == v;

    private static Constant Literal(long v, DataType t) => new(Scalar.Int(v), t);

    private static long FloorDiv(long a, long d) => a / d - ((a % d != 0) && ((a < 0) != (d < 0)) ? 1 : 0);

    private static long? Mul(long a, long b)
    {
        try { return checked(a * b); }
        catch (OverflowException) { return null; }
    }

    private static Scalar? Try(Func<Scalar> f)
    {
        try { return f(); }
        catch (Exception e) when (e is ArithmeticException or StrataException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
