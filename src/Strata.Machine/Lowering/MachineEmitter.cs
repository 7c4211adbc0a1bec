using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>Builds the statements of one Machine kernel: nested statement lists (loops, ifs), unique deterministic
/// register and buffer names, and a constant pool hoisted to the top of the body (constants are never reassigned, so
/// defining them once before everything else dominates every use). Folds i64 index arithmetic on known constants so
/// the printed kernel reads like hand-written code.</summary>
internal sealed class MachineEmitter
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<(MType, long, long), Reg> _consts = [];
    private readonly List<MStmt> _prologue = [];
    private readonly Stack<List<MStmt>> _scopes = new();
    private readonly Stack<Dictionary<(BinaryOp, Reg, Reg), Reg>> _cse = new();
    private readonly Dictionary<Reg, long> _known = [];
    // A known divisor of an index register's value (products, sums and loop variables of multiples); see Multiple.
    private readonly Dictionary<Reg, long> _multiple = [];

    /// <summary>The operands of each index register computed as a sum (<see cref="Add"/>): a floordiv or mod by c of a
    /// sum with a term that is a multiple of c splits there (<see cref="FloorDiv"/>, <see cref="Mod"/>).</summary>
    private readonly Dictionary<Reg, (Reg A, Reg B)> _sums = [];
    private readonly Dictionary<Reg, Scalar> _constants = [];
    private readonly List<LocalBuffer> _buffers = [];

    /// <summary>The statement list that defines each register assigned exactly once by construction (the helpers
    /// below: a fresh register and one statement), for <see cref="HoistedBroadcast"/>.</summary>
    private readonly Dictionary<string, List<MStmt>> _singleDefScope = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, int), (List<MStmt> Scope, Reg Reg)> _hoisted = [];

    public MachineEmitter(IEnumerable<string> reserved)
    {
        foreach (var r in reserved) _names.Add(r);
        _scopes.Push([]);
        _cse.Push([]);
    }

    public IReadOnlyList<LocalBuffer> Buffers => _buffers;

    /// <summary>Forgets the local buffers made after the first <paramref name="count"/> (by code that was not
    /// emitted after all).</summary>
    public void ForgetBuffersFrom(int count) => _buffers.RemoveRange(count, _buffers.Count - count);

    /// <summary>A name not used yet: <paramref name="hint"/> itself, else hint_1, hint_2, …</summary>
    public string Fresh(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
            if (_names.Add(hint + "_" + i)) return hint + "_" + i;
    }

    /// <summary>Every name given out so far.</summary>
    public HashSet<string> NameSnapshot() => new(_names, StringComparer.Ordinal);

    public Reg NewReg(string hint, MType type) => new(Fresh(hint), type);

    public LocalBuffer NewBuffer(string hint, DataType element, long length)
    {
        var b = new LocalBuffer(Fresh(hint), element, Math.Max(1, length));
        _buffers.Add(b);
        return b;
    }

    public void Emit(MStmt s) => _scopes.Peek().Add(s);

    /// <summary>The statement emitted last into the current list, removed from it (the caller emits its replacement,
    /// e.g. a mul folded into an fma); null when the list is empty.</summary>
    public MStmt? TakeLast()
    {
        var list = _scopes.Peek();
        if (list.Count == 0) return null;
        var s = list[^1];
        list.RemoveAt(list.Count - 1);
        return s;
    }

    /// <summary>Runs <paramref name="body"/> collecting what it emits into a separate list.</summary>
    public ImmutableArray<MStmt> Collect(Action body)
    {
        _scopes.Push([]);
        _cse.Push([]);
        try
        {
            body();
            return [.. _scopes.Peek()];
        }
        finally
        {
            _scopes.Pop();
            _cse.Pop();
        }
    }

    /// <summary>Everything emitted at the top level, after the constant pool.</summary>
    public ImmutableArray<MStmt> Finish() => [.. _prologue, .. _scopes.Peek()];

    /// <summary>The (hoisted) constant register of <paramref name="value"/> normalised to <paramref name="type"/>.</summary>
    public Reg Const(Scalar value, MType type)
    {
        var v = ScalarSemantics.Normalize(value, type.Element);
        var key = (type, v.I, BitConverter.DoubleToInt64Bits(v.F));
        if (_consts.TryGetValue(key, out var r)) return r;
        string hint = type.Element == DataType.Int64 && !type.IsVector ? (v.I < 0 ? "cm" + (-v.I) : "c" + v.I) : "k";
        r = NewReg(hint, type);
        _consts[key] = r;
        _prologue.Add(new ConstStmt(r, v));
        if (type == MType.I64) _known[r] = v.I;
        _constants[r] = v;
        return r;
    }

    /// <summary>Emits <paramref name="s"/> after the constant pool, before the body: it runs once per program, so it may
    /// use only pooled constants (and what earlier prologue statements define).</summary>
    public void EmitInPrologue(MStmt s) => _prologue.Add(s);

    /// <summary>The value of a register if it is a pooled constant.</summary>
    public Scalar? ConstantOf(Reg r) => _constants.TryGetValue(r, out var v) ? v : null;

    public Reg I64(long v) => Const(Scalar.Int(v), MType.I64);

    /// <summary>The value of an i64 register if it is a pooled constant.</summary>
    public long? Known(Reg r) => _known.TryGetValue(r, out var v) ? v : null;

    public Reg Binary(BinaryOp op, Reg a, Reg b, string hint = "t")
    {
        var type = op.IsComparison() ? new MType(DataType.Bool, a.Type.Lanes) : a.Type;
        var d = NewReg(hint, type);
        EmitSingle(new BinaryStmt(d, op, a, b), d);
        return d;
    }

    public Reg Unary(UnaryOp op, Reg x, string hint = "t")
    {
        var d = NewReg(hint, op.IsPredicate() ? new MType(DataType.Bool, x.Type.Lanes) : x.Type);
        EmitSingle(new UnaryStmt(d, op, x), d);
        return d;
    }

    public Reg Cast(Reg x, MType to, string hint = "t")
    {
        if (x.Type == to) return x;
        if (!to.IsVector && !x.Type.IsVector && Known(x) is { } k && to.Element != DataType.Bool && !ScalarSemantics.IsFloat(to.Element))
            return Const(ScalarSemantics.Cast(Scalar.Int(k), DataType.Int64, to.Element), to);
        var d = NewReg(hint, to);
        EmitSingle(new CastStmt(d, x), d);
        return d;
    }

    public Reg Select(Reg c, Reg a, Reg b, string hint = "t")
    {
        var d = NewReg(hint, a.Type);
        EmitSingle(new SelectStmt(d, c, a, b), d);
        return d;
    }

    public Reg Broadcast(Reg s, int lanes, string hint = "t")
    {
        if (ConstantOf(s) is { } c) return Const(c, new MType(s.Type.Element, lanes));
        var d = NewReg(hint, new MType(s.Type.Element, lanes));
        Emit(new BroadcastStmt(d, s));
        return d;
    }

    /// <summary>The broadcast of <paramref name="s"/>, emitted once right after the statement list that defines s
    /// (so before the loop being built, not in it) when s is assigned once and that list is still being built: an
    /// invariant scalar (a conv weight tap) is splat once per program, not once per vector. Otherwise a plain
    /// <see cref="Broadcast"/>.</summary>
    public Reg HoistedBroadcast(Reg s, int lanes)
    {
        if (ConstantOf(s) is not null || !_singleDefScope.TryGetValue(s.Name, out var scope) || !_scopes.Contains(scope))
            return Broadcast(s, lanes);
        if (_hoisted.TryGetValue((s.Name, lanes), out var h) && _scopes.Contains(h.Scope)) return h.Reg;
        var d = NewReg(s.Name + "_b", new MType(s.Type.Element, lanes));
        scope.Add(new BroadcastStmt(d, s));
        _singleDefScope[d.Name] = scope;
        _hoisted[(s.Name, lanes)] = (scope, d);
        return d;
    }

    private void EmitSingle(MStmt stmt, Reg d)
    {
        var scope = _scopes.Peek();
        scope.Add(stmt);
        _singleDefScope[d.Name] = scope;
    }

    public Reg Load(MType type, string memory, Reg index, Reg? mask = null, Reg? count = null, Scalar? other = null, string hint = "t", Reg? from = null, long stride = 1)
    {
        var d = NewReg(hint, type);
        EmitSingle(new LoadStmt(d, memory, index, mask, count, other, from, stride), d);
        return d;
    }

    /// <summary>Emits <paramref name="s"/> (pure scalar arithmetic whose result is assigned once, e.g. taken from a
    /// discarded probe) and, when it is i64 index arithmetic, lets later identical expressions in this scope or a
    /// nested one reuse its result, as if <see cref="Add"/> and the others had computed it here.</summary>
    public void EmitReused(MStmt s)
    {
        if (s is BinaryStmt { Dest: { } d } b && d.Type == MType.I64 && b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Min or BinaryOp.Max or BinaryOp.FloorDiv)
        {
            var key = (b.Op, b.A, b.B);
            foreach (var scope in _cse)
                if (scope.TryGetValue(key, out var r)) { Emit(new MoveStmt(d, r)); _singleDefScope[d.Name] = _scopes.Peek(); return; }
            _cse.Peek()[key] = d;
        }
        Emit(s);
        if (s.Dest is { } dest) _singleDefScope[dest.Name] = _scopes.Peek();
    }

    /// <summary>i64 index arithmetic, computed once per scope: an index register is assigned once where it is
    /// defined and its operands (constants, loop variables, program ids, other index registers) do not change while
    /// the scope that computed it runs, so a later identical expression in that scope or a nested one reuses it.</summary>
    private Reg Index(BinaryOp op, Reg a, Reg b, string hint = "ix")
    {
        var key = (op, a, b);
        foreach (var scope in _cse)
            if (scope.TryGetValue(key, out var r)) return r;
        var d = Binary(op, a, b, hint);
        _cse.Peek()[key] = d;
        long m = op switch
        {
            BinaryOp.Add or BinaryOp.Sub => Gcd(Multiple(a), Multiple(b)),
            BinaryOp.Mul => Multiple(a) is var x && Multiple(b) is var y && x != 0 && y != 0 && Math.Abs(x) <= int.MaxValue && Math.Abs(y) <= int.MaxValue ? x * y : 1,
            _ => 1,
        };
        if (m != 1) _multiple[d] = Math.Abs(m);
        if (op == BinaryOp.Add) _sums[d] = (a, b);
        return d;
    }

    /// <summary>A number that <paramref name="r"/>'s value is known to be a multiple of (0 for a known 0, 1 when nothing
    /// is known): constants, sums, differences and products of index registers, and loop variables (a multiple of
    /// the gcd of the start and the step). Index registers and loop variables are assigned once, so this holds
    /// wherever they are read. It tells an aligned vector of lanes from one that may cross a multiple of a
    /// divisor (KernelLowerer's floordiv/mod of a lane-affine index).</summary>
    public long Multiple(Reg r) => Known(r) is { } k ? (k == long.MinValue ? 1 : Math.Abs(k)) : _multiple.GetValueOrDefault(r, 1);

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    // i64 index arithmetic with constant folding.
    public Reg Add(Reg a, Reg b, string hint = "ix")
    {
        if (Known(a) is { } x && Known(b) is { } y) return I64(x + y);
        if (Known(a) == 0) return b;
        if (Known(b) == 0) return a;
        return Index(BinaryOp.Add, a, b, hint);
    }

    public Reg Sub(Reg a, Reg b, string hint = "ix")
    {
        if (Known(a) is { } x && Known(b) is { } y) return I64(x - y);
        if (Known(b) == 0) return a;
        return Index(BinaryOp.Sub, a, b, hint);
    }

    public Reg Mul(Reg a, Reg b, string hint = "ix")
    {
        if (Known(a) is { } x && Known(b) is { } y) return I64(x * y);
        if (Known(a) == 1) return b;
        if (Known(b) == 1) return a;
        if (Known(a) == 0 || Known(b) == 0) return I64(0);
        return Index(BinaryOp.Mul, a, b, hint);
    }

    public Reg Mul(Reg a, long c) => Mul(a, I64(c));

    /// <summary>a mod c (floored) for a constant c > 0, folded or reused like <see cref="FloorDiv"/>: 0 for a known
    /// multiple of c, and a sum's term that is a multiple of c drops out (see <see cref="FloorDiv"/>).</summary>
    public Reg Mod(Reg a, long c, string hint = "ix")
    {
        if (Known(a) is { } x) return I64((x % c + c) % c);
        if (c > 0 && Multiple(a) % c == 0) return I64(0);
        if (c > 0 && SplitMultiple(a, c) is var (_, rest)) return Mod(rest, c, hint);
        return Index(BinaryOp.Mod, a, I64(c), hint);
    }

    /// <summary>⌊a / c⌋ for a constant c > 0 (folded when a is known, reused per scope like the other index arithmetic).
    /// Of a sum with a term m that is a known multiple of c: m / c + ⌊rest / c⌋ (exact for any rest). A panel's column,
    /// block start (a multiple of the panel) plus the tile's column, then has the tile column's quotient and remainder,
    /// whose ranges the bounds analysis sees (the sum's remainder it could only bound by [0, c)).</summary>
    public Reg FloorDiv(Reg a, long c, string hint = "ix")
    {
        if (c == 1) return a;
        if (Known(a) is { } x) return I64(Math.DivRem(x, c) is var (q, r) && r != 0 && (x < 0) != (c < 0) ? q - 1 : q);
        if (c > 0 && SplitMultiple(a, c) is var (m, rest)) return Add(FloorDiv(m, c, hint), FloorDiv(rest, c, hint), hint);
        return Index(BinaryOp.FloorDiv, a, I64(c), hint);
    }

    /// <summary>A sum a = m + rest whose term m is a known multiple of c; null where a is no such sum.</summary>
    private (Reg Multiple, Reg Other)? SplitMultiple(Reg a, long c) =>
        !_sums.TryGetValue(a, out var s) ? null
        : Multiple(s.A) % c == 0 ? (s.A, s.B)
        : Multiple(s.B) % c == 0 ? (s.B, s.A)
        : null;

    public Reg Min(Reg a, Reg b) => Known(a) is { } x && Known(b) is { } y ? I64(Math.Min(x, y)) : Index(BinaryOp.Min, a, b);
    public Reg Max(Reg a, Reg b) => Known(a) is { } x && Known(b) is { } y ? I64(Math.Max(x, y)) : Index(BinaryOp.Max, a, b);

    /// <summary>Emits <c>loop %var = lo to hi step s { body(var) }</c> (nothing when the trip count is known to be 0).</summary>
    public void Loop(string hint, Reg lo, Reg hi, long step, Action<Reg> body)
    {
        if (Known(lo) is { } l && Known(hi) is { } h && l >= h) return;
        var v = NewReg(hint, MType.I64);
        if (step != long.MinValue && Gcd(Multiple(lo), Math.Abs(step)) is var m and > 1) _multiple[v] = m;
        var stmts = Collect(() => body(v));
        Emit(new LoopStmt(v, lo, hi, step, stmts));
    }

    public void If(Reg cond, Action then, Action? otherwise = null)
    {
        var t = Collect(then);
        var e = otherwise is null ? [] : Collect(otherwise);
        Emit(new IfStmt(cond, t, e));
    }
}
