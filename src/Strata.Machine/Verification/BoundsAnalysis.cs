using System.Collections.Immutable;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Verification;

/// <summary>Proves loads and stores in bounds with interval analysis over the i64 registers, so the backend can emit
/// them without checks. Intervals come from constants, program ids ([0, grid-1]), loop variables ([lo, hi-1] rounded
/// to the step), add/sub/mul/min/max, div/floor_div/mod/fmod by constants, select, mov and casts of integers; anything
/// else (loaded values, casts of floats) is unknown. Registers are mutable: ifs join their branches, loops iterate to
/// a fixed point (with widening). Beyond intervals the analysis keeps, for each register, the statement that
/// computed its current value while the operands still hold the values it read, and uses it two ways:
/// <list type="bullet">
/// <item>Conditions: a mask (of a scalar access) or an if condition that is a conjunction (<c>and</c>) of i64
/// comparisons narrows the compared registers, and the index is recomputed from them — the Block lowering's
/// <c>%ok = and (ge %i, %c0), (lt %i, %n)</c> guarding <c>load %x[%i] mask %ok</c> is proven.</item>
/// <item>Counts: a vector access of <c>count %n</c> with <c>%n = min(sub(%end, %i), lanes)</c> and index <c>%i</c>
/// touches at most up to <c>%end</c>; a lane range <c>from %f</c> with <c>%f = sub(%lo, %a)</c> and index
/// <c>%base + %a</c> starts at <c>%base + %lo</c> (the lowering's head mask: padding).</item>
/// </list>
/// Unproven is always safe (the access is checked at run time). An access is proven out of bounds (a verifier
/// error) only when it has no mask, is not inside an if or a loop that may run zero times, and every index it may get
/// is outside the memory.</summary>
public sealed partial class BoundsAnalysis
{
    private const int MaxDepth = 12;
    private const int WidenAfter = 1;

    private readonly MachineKernel _kernel;
    private readonly Dictionary<MStmt, bool> _proven = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MStmt, bool> _outOfBounds = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MStmt, string> _reasons = new(ReferenceEqualityComparer.Instance);
    private readonly List<MStmt> _order = [];
    private int _conditional;
    private readonly HashSet<string> _operands = new(StringComparer.Ordinal);
    private readonly Dictionary<MStmt, string[]> _operandNames = new(ReferenceEqualityComparer.Instance);

    private BoundsAnalysis(MachineKernel kernel) { _kernel = kernel; }

    public static BoundsReport Analyze(MachineKernel kernel)
    {
        var a = new BoundsAnalysis(kernel);
        var state = new State();
        if (kernel.Grid.IsDefault || kernel.Grid.Any(g => g <= 0)) state.Dead = true;
        var log = new List<Judgment>();
        a.Exec(kernel.Body.IsDefault ? [] : kernel.Body, state, log);
        foreach (var j in log) a.Record(j.Access, j.Proven, j.OutOfBounds, j.Reason);
        var unproven = a._order.Where(s => !a._proven[s])
            .Select(s => new UnprovenAccess(s, a._reasons.GetValueOrDefault(s, "not proven"), a._outOfBounds[s])).ToList();
        return new BoundsReport(a._proven, unproven);
    }

    /// <summary>The abstract value of every register at one point: intervals of i64 registers (absent: unknown) and
    /// the statements that computed the current values (while their operands are unchanged).</summary>
    private sealed class State
    {
        public Dictionary<string, Interval> Iv = new(StringComparer.Ordinal);
        public Dictionary<string, MStmt> Defs = new(StringComparer.Ordinal);
        public bool Dead;

        /// <summary>Results of <see cref="Eval"/> since the last change (recomputing through computations is the
        /// expensive part of judging an access).</summary>
        public readonly Dictionary<string, Interval> Cache = new(StringComparer.Ordinal);

        public void Touch() => Cache.Clear();

        public State Clone() => new() { Iv = new(Iv, StringComparer.Ordinal), Defs = new(Defs, StringComparer.Ordinal), Dead = Dead };

        public Interval Get(Reg r) => r.Type != MType.I64 ? Interval.Top : Iv.TryGetValue(r.Name, out var i) ? i : Interval.Top;

        public static State Join(State a, State b)
        {
            if (a.Dead) return b.Clone();
            if (b.Dead) return a.Clone();
            var j = new State();
            foreach (var (k, v) in a.Iv)
                if (b.Iv.TryGetValue(k, out var w)) j.Iv[k] = v.Hull(w);
            foreach (var (k, v) in a.Defs)
                if (b.Defs.TryGetValue(k, out var w) && ReferenceEquals(v, w)) j.Defs[k] = v;
            return j;
        }

        public bool SameAs(State o) => Dead == o.Dead && Iv.Count == o.Iv.Count && Defs.Count == o.Defs.Count
            && Iv.All(kv => o.Iv.TryGetValue(kv.Key, out var w) && w == kv.Value)
            && Defs.All(kv => o.Defs.TryGetValue(kv.Key, out var w) && ReferenceEquals(w, kv.Value));
    }

    private void Exec(ImmutableArray<MStmt> stmts, State st, List<Judgment>? log)
    {
        foreach (var s in stmts)
        {
            switch (s)
            {
                case null:
                    break;
                case LoadStmt l:
                    if (log is not null) Judge(l, l.Memory, l.Index, l.Mask, l.From, l.Count, l.Target.Type.Lanes, st, log, l.Stride);
                    Assign(st, l.Target, Interval.Top, null);
                    break;
                case StoreStmt w:
                    if (log is not null) Judge(w, w.Memory, w.Index, w.Mask, w.From, w.Count, w.Value.Type.Lanes, st, log, w.Stride);
                    break;
                case PrefetchStmt p:
                    log?.Add(new(p, true, false, ""));
                    break;
                case LoopStmt loop:
                    Loop(loop, st, log);
                    break;
                case IfStmt i:
                    If(i, st, log);
                    break;
                default:
                    if (s.Dest is { } d && !st.Dead)
                    {
                        var iv = Compute(s, r => st.Get(r));
                        if (d.Type == MType.I64 && iv.IsEmpty) st.Dead = true;
                        Assign(st, d, iv, s is ConstStmt or MoveStmt or BinaryStmt or UnaryStmt or SelectStmt ? s : null);
                    }
                    break;
            }
        }
    }

    /// <summary>Sets <paramref name="r"/>'s value, forgetting every recorded computation that read the old one.</summary>
    private void Assign(State st, Reg r, Interval value, MStmt? def)
    {
        st.Touch();
        if (r.Type == MType.I64) st.Iv[r.Name] = value;
        else st.Iv.Remove(r.Name);
        st.Defs.Remove(r.Name);
        // Most assignments are a register's first: then no recorded computation can have read it.
        if (_operands.Contains(r.Name))
        {
            List<string>? stale = null;
            foreach (var (k, d) in st.Defs)
                if (Array.IndexOf(Operands(d), r.Name) >= 0) (stale ??= []).Add(k);
            if (stale is not null)
                foreach (var k in stale) st.Defs.Remove(k);
        }
        if (def is not null && !r.Type.IsVector && Array.IndexOf(Operands(def), r.Name) < 0)
        {
            st.Defs[r.Name] = def;
            _operands.UnionWith(Operands(def));
        }
    }

    /// <summary>The names a statement reads (cached: Assign asks for them often).</summary>
    private string[] Operands(MStmt s)
    {
        if (!_operandNames.TryGetValue(s, out var names)) _operandNames[s] = names = [.. s.Uses.Select(u => u.Name)];
        return names;
    }

    private void Loop(LoopStmt loop, State st, List<Judgment>? log)
    {
        var lo = st.Get(loop.Lower);
        var hi = st.Get(loop.Upper);
        Interval var = Interval.Empty;
        if (!st.Dead && loop.Step > 0 && !lo.IsEmpty && !hi.IsEmpty && lo.Lo < hi.Hi)
        {
            long top = hi.Hi - 1;
            if (lo.IsConstant && lo.Lo != long.MinValue)
                top = (long)(lo.Lo + ((Int128)top - lo.Lo) / loop.Step * loop.Step);
            var = new Interval(lo.Lo, top);
        }
        if (var.IsEmpty)
        {
            // The body never runs: its accesses are vacuously in bounds.
            if (log is not null) Exec(loop.Body, new State { Dead = true }, log);
            Assign(st, loop.Var, Interval.Top, null);
            return;
        }
        // head only grows (joins, then widening of moving bounds to thresholds; recorded computations only shrink),
        // so this ends, with head a state that holds at every iteration's start. The run that finds head stable
        // is the run from head: its judgments are the loop's.
        // A loop that may run zero times (an edge split's interior, empty when a window row is wholly in the
        // padding) may never execute its accesses: none of them is proven out of bounds, as inside an if.
        bool mayBeEmpty = lo.Hi >= hi.Lo;
        if (mayBeEmpty) _conditional++;
        try
        {
            LoopFixpoint(loop, st, var, mayBeEmpty, log);
        }
        finally
        {
            if (mayBeEmpty) _conditional--;
        }
    }

    private void LoopFixpoint(LoopStmt loop, State st, Interval var, bool mayBeEmpty, List<Judgment>? log)
    {
        if (var.IsConstant)
        {
            // The variable has one value, so the body runs at most once (a second value would be ≥ lo + step > the
            // last one): it starts from the entry state, with no back edge to join. A register the body advances
            // for the next iteration (a GEMM tile loop's running quotient and remainder of a column block that
            // holds one tile) keeps its entry value inside, instead of the whole range of its wrap-around.
            var once = Iterate(loop, var, st.Clone(), log);
            var after = mayBeEmpty ? State.Join(st, once) : once;
            st.Iv = after.Iv;
            st.Defs = after.Defs;
            st.Dead = after.Dead;
            st.Touch();
            Assign(st, loop.Var, Interval.Top, null);
            return;
        }
        var head = st.Clone();
        List<Judgment>? judged = null;
        bool widened = false;
        for (int iteration = 0; ; iteration++)
        {
            var run = log is null ? null : new List<Judgment>();
            var next = State.Join(head, Iterate(loop, var, head, run));
            if (next.SameAs(head)) { judged = run; break; }
            if (iteration >= WidenAfter) { Widen(head, next); widened = true; }
            head = next;
        }
        if (widened)
        {
            // One more iteration from head (entry or after an iteration) holds too, and is often much tighter
            // (narrowing: a register clamped in the body gets its clamp back after widening).
            head = State.Join(st, Iterate(loop, var, head, null));
            if (log is not null) Iterate(loop, var, head, judged = []);
        }
        if (judged is not null) log!.AddRange(judged);
        st.Iv = head.Iv;
        st.Defs = head.Defs;
        st.Touch();
        Assign(st, loop.Var, Interval.Top, null);
    }

    /// <summary>The state after one run of the loop body from <paramref name="head"/>.</summary>
    private State Iterate(LoopStmt loop, Interval var, State head, List<Judgment>? log)
    {
        var body = head.Clone();
        Assign(body, loop.Var, var, null);
        Exec(loop.Body, body, log);
        return body;
    }

    private static readonly long[] Thresholds = [int.MaxValue, 1L << 62, long.MaxValue];

    /// <summary>Bounds that still move after a few iterations jump to the next threshold (2³¹-1, 2⁶², then the end of
    /// i64): a register counting up then stays below the point where adding to it would wrap.</summary>
    private static void Widen(State old, State next)
    {
        foreach (var (k, v) in next.Iv.ToList())
        {
            if (!old.Iv.TryGetValue(k, out var o) || o.IsEmpty) { next.Iv[k] = Interval.Top; continue; }
            if (o == v || v.IsEmpty) continue;
            long hi = v.Hi > o.Hi ? Thresholds.First(t => t >= v.Hi) : v.Hi;
            long lo = v.Lo >= o.Lo ? v.Lo : v.Lo >= -int.MaxValue ? -int.MaxValue : v.Lo >= -(1L << 62) ? -(1L << 62) : long.MinValue;
            next.Iv[k] = new Interval(lo, hi);
        }
    }

    private void If(IfStmt i, State st, List<Judgment>? log)
    {
        var then = st.Clone();
        Refine(then, i.Condition, true, 0);
        var els = st.Clone();
        Refine(els, i.Condition, false, 0);
        _conditional++;
        Exec(i.Then, then, log);
        Exec(i.Else, els, log);
        _conditional--;
        var joined = State.Join(then, els);
        st.Iv = joined.Iv;
        st.Defs = joined.Defs;
        st.Dead = then.Dead && els.Dead;
        st.Touch();
    }

    /// <summary>Narrows <paramref name="st"/> to the executions where <paramref name="cond"/> is <paramref name="truth"/>
    /// (marking it dead when there are none). Only what the condition's recorded computation says is used.</summary>
    private void Refine(State st, Reg cond, bool truth, int depth)
    {
        if (st.Dead || depth > MaxDepth || cond.Type != MType.Bool || !st.Defs.TryGetValue(cond.Name, out var def)) return;
        switch (def)
        {
            case ConstStmt c:
                if (c.Value.AsBool != truth) st.Dead = true;
                break;
            case MoveStmt m:
                Refine(st, m.Source, truth, depth + 1);
                break;
            case UnaryStmt { Op: UnaryOp.Not } u:
                Refine(st, u.X, !truth, depth + 1);
                break;
            case BinaryStmt { Op: BinaryOp.And } b when truth:
                Refine(st, b.A, true, depth + 1);
                Refine(st, b.B, true, depth + 1);
                break;
            case BinaryStmt { Op: BinaryOp.Or } b when !truth:
                Refine(st, b.A, false, depth + 1);
                Refine(st, b.B, false, depth + 1);
                break;
            case BinaryStmt b when b.Op.IsComparison() && b.A.Type == MType.I64 && b.B.Type == MType.I64:
            {
                var op = truth ? b.Op : Negate(b.Op);
                var x = Eval(st, b.A, 0);
                var y = Eval(st, b.B, 0);
                var (nx, ny) = op switch
                {
                    BinaryOp.Lt => (x.Intersect(Below(y.Hi, 1)), y.Intersect(Above(x.Lo, 1))),
                    BinaryOp.Le => (x.Intersect(Below(y.Hi, 0)), y.Intersect(Above(x.Lo, 0))),
                    BinaryOp.Gt => (x.Intersect(Above(y.Lo, 1)), y.Intersect(Below(x.Hi, 1))),
                    BinaryOp.Ge => (x.Intersect(Above(y.Lo, 0)), y.Intersect(Below(x.Hi, 0))),
                    BinaryOp.Eq => (x.Intersect(y), y.Intersect(x)),
                    _ => (x, y),
                };
                if (nx.IsEmpty || ny.IsEmpty) { st.Dead = true; return; }
                st.Iv[b.A.Name] = nx;
                st.Iv[b.B.Name] = ny;
                st.Touch();
                break;
            }
        }
    }

    private static BinaryOp Negate(BinaryOp op) => op switch
    {
        BinaryOp.Lt => BinaryOp.Ge,
        BinaryOp.Le => BinaryOp.Gt,
        BinaryOp.Gt => BinaryOp.Le,
        BinaryOp.Ge => BinaryOp.Lt,
        BinaryOp.Eq => BinaryOp.Ne,
        _ => BinaryOp.Eq,
    };

    /// <summary>Values ≤ hi - strict (empty if there are none).</summary>
    private static Interval Below(long hi, int strict) => strict == 1 && hi == long.MinValue ? Interval.Empty : new(long.MinValue, hi - strict);

    private static Interval Above(long lo, int strict) => strict == 1 && lo == long.MaxValue ? Interval.Empty : new(lo + strict, long.MaxValue);

    /// <summary>The register's interval, narrowed by recomputing it from its recorded computation (whose operands
    /// may have been narrowed by a condition since).</summary>
    private Interval Eval(State st, Reg r, int depth)
    {
        if (r.Type != MType.I64) return Interval.Top;
        if (st.Cache.TryGetValue(r.Name, out var cached)) return cached;
        var iv = st.Get(r);
        if (depth < MaxDepth && st.Defs.TryGetValue(r.Name, out var def))
            iv = iv.Intersect(Compute(def, x => Eval(st, x, depth + 1)));
        st.Cache[r.Name] = iv;
        return iv;
    }

    /// <summary>The interval of an i64 result of <paramref name="s"/> given its operands' intervals.</summary>
    private Interval Compute(MStmt s, Func<Reg, Interval> get)
    {
        if (s.Dest is not { } d || d.Type != MType.I64) return Interval.Top;
        switch (s)
        {
            case ConstStmt c:
                return Interval.Of(c.Value.I);
            case ProgramIdStmt p:
                return p.Axis >= 0 && p.Axis < _kernel.Grid.Length ? new Interval(0, _kernel.Grid[p.Axis] - 1) : Interval.Top;
            case MoveStmt m:
                return get(m.Source);
            case SelectStmt sel:
                return get(sel.IfTrue).Hull(get(sel.IfFalse));
            case CastStmt c:
                return c.X.Type.IsVector ? Interval.Top : c.X.Type.Element switch
                {
                    DataType.Int64 => get(c.X),
                    DataType.Bool => new(0, 1),
                    DataType.Int8 => new(sbyte.MinValue, sbyte.MaxValue),
                    DataType.UInt8 => new(0, byte.MaxValue),
                    DataType.Int16 => new(short.MinValue, short.MaxValue),
                    DataType.UInt16 => new(0, ushort.MaxValue),
                    DataType.Int32 => new(int.MinValue, int.MaxValue),
                    DataType.UInt32 => new(0, uint.MaxValue),
                    _ => Interval.Top,
                };
            case BinaryStmt b when b.A.Type == MType.I64 && b.B.Type == MType.I64:
            {
                var (x, y) = (get(b.A), get(b.B));
                return b.Op switch
                {
                    BinaryOp.Add => x + y,
                    BinaryOp.Sub => x - y,
                    BinaryOp.Mul => x * y,
                    BinaryOp.Min => Interval.Min(x, y),
                    BinaryOp.Max => Interval.Max(x, y),
                    BinaryOp.Div or BinaryOp.FloorDiv or BinaryOp.Mod or BinaryOp.FMod when y.IsConstant => ByConstant(b.Op, x, y.Lo),
                    BinaryOp.BitAnd when y.IsConstant => RoundDown(x, y.Lo),
                    _ => Interval.Top,
                };
            }
            default:
                return Interval.Top;
        }
    }

    /// <summary><c>x &amp; -2^k</c>: x rounded down to a multiple of 2^k (the lowering's whole-vector rounding); Top for
    /// other masks.</summary>
    private static Interval RoundDown(Interval x, long mask)
    {
        if (x.IsEmpty) return Interval.Empty;
        if (mask >= 0 || mask == long.MinValue || ((-mask) & (-mask - 1)) != 0 || x.Lo == long.MinValue) return Interval.Top;
        long c = -mask;
        return new(FloorDiv(x.Lo, c) * c, FloorDiv(x.Hi, c) * c);
    }

    /// <summary>Division and remainders by a constant, with <see cref="ScalarSemantics.Binary"/>'s meaning
    /// (division by zero gives 0; <c>div</c> truncates, <c>floor_div</c> and <c>mod</c> follow the divisor's sign,
    /// <c>fmod</c> the dividend's).</summary>
    private static Interval ByConstant(BinaryOp op, Interval x, long c)
    {
        if (x.IsEmpty) return Interval.Empty;
        if (c == 0) return Interval.Of(0);
        if (c == -1) return op is BinaryOp.Mod or BinaryOp.FMod ? Interval.Of(0) : Interval.Of(0) - x;
        switch (op)
        {
            case BinaryOp.Div:
                return c > 0 ? new(x.Lo / c, x.Hi / c) : new(x.Hi / c, x.Lo / c);
            case BinaryOp.FloorDiv:
                return c > 0 ? new(FloorDiv(x.Lo, c), FloorDiv(x.Hi, c)) : new(FloorDiv(x.Hi, c), FloorDiv(x.Lo, c));
            case BinaryOp.Mod:
                if (c > 0) return x.Lo >= 0 && x.Hi < c ? x : new(0, c - 1);
                return x.Hi <= 0 && x.Lo > c ? x : new(c + 1, 0);
            default: // fmod: |r| < |c|, sign of the dividend
            {
                long m = c == long.MinValue ? long.MaxValue : Math.Abs(c) - 1;
                if (x.Lo >= 0) return new(0, Math.Min(x.Hi, m));
                if (x.Hi <= 0) return new(Math.Max(x.Lo, -m), 0);
                return new(-m, m);
            }
        }
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    /// <summary>Decides one access of <paramref name="lanes"/> consecutive elements (with a from and a count, the
    /// lanes [max(from, 0), min(count, lanes)), judged only for executions where that range is not empty). With a
    /// lane stride s the lanes touch index + l·s: the first element is still at least index + from, the last at most
    /// the index's upper bound + (min(count, lanes) - 1)·s (no cancelling of offsets: a strided tail is usually left
    /// to the backend's run-time check).</summary>
    private void Judge(MStmt access, string memory, Reg indexReg, Reg? mask, Reg? fromReg, Reg? countReg, int lanes, State st, List<Judgment> log, long stride = 1)
    {
        if (st.Dead) { Add(log, access, true, false, ""); return; }
        if (_kernel.Memory(memory) is not { } mem) { Add(log, access, false, false, $"%{memory} is not a parameter or buffer"); return; }
        long length = mem.Length;
        var view = st;
        if (mask is not null)
        {
            view = st.Clone();
            Refine(view, mask, true, 0);
            if (view.Dead) { Add(log, access, true, false, ""); return; }
        }
        var index = Eval(view, indexReg, 0);
        var indexLin = Lin(view, indexReg, 0);
        Int128 first = Int128.Max(index.Lo, Lower(view, indexLin));
        Int128 lastStart = Int128.Min(index.Hi, Upper(view, indexLin));
        string where = $"%{memory}[%{indexReg.Name}] with %{indexReg.Name} in {index}";
        if (countReg is not null || fromReg is not null)
        {
            var count = countReg is null ? Interval.Of(lanes) : Eval(view, countReg, 0);
            Int128 countLo = countReg is null ? lanes : LowerOf(view, countReg, 0);
            if (count.Hi <= 0 && countLo >= 0) { Add(log, access, true, false, ""); return; }
            if (countLo < 0 || count.Hi > lanes) { Add(log, access, false, _conditional == 0 && fromReg is null && (countLo > lanes || count.Hi < 0), $"count %{countReg!.Name} in {count} may leave [0, {lanes}]"); return; }
            // Only executions with count ≥ 1 and from ≤ lanes - 1 touch memory.
            var touching = view.Clone();
            if (countReg is not null) AssumePositive(touching, countReg, 0);
            if (fromReg is not null && !touching.Dead)
            {
                var from = Eval(touching, fromReg, 0).Intersect(new Interval(long.MinValue, lanes - 1));
                if (from.IsEmpty) touching.Dead = true;
                else { touching.Iv[fromReg.Name] = from; touching.Touch(); }
            }
            if (touching.Dead) { Add(log, access, true, false, ""); return; }
            var at = Eval(touching, indexReg, 0);
            Int128 start = Int128.Max(at.Lo, Int128.Max(Lower(touching, Lin(touching, indexReg, 0)), Lower(touching, Lin(touching, indexReg, 0, keepNarrowed: true))));
            if (fromReg is not null) start = Int128.Max(start, LowerStart(touching, indexReg, fromReg, 0));
            Int128 lastAt = Int128.Min(at.Hi, Int128.Min(Upper(touching, Lin(touching, indexReg, 0)), Upper(touching, Lin(touching, indexReg, 0, keepNarrowed: true))));
            Int128 end = stride != 1 ? lastAt + (Int128)(Math.Min(countReg is null ? lanes : Eval(touching, countReg, 0).Hi, lanes) - 1) * stride + 1
                : countReg is not null ? UpperEnd(touching, indexReg, countReg, 0)
                : lastAt + lanes;
            bool ok = start >= 0 && end <= length;
            bool bad = _conditional == 0 && fromReg is null && countLo >= 1 && (lastStart < 0 || first >= length);
            string limits = (fromReg is null ? "" : $" from %{fromReg.Name}") + (countReg is null ? "" : $" count %{countReg.Name} in {count}");
            Add(log, access, ok, bad, $"{where} and{limits} may leave [0, {length}) (the access may run from {start} to {end})");
            return;
        }
        Int128 span = (Int128)(lanes - 1) * stride + 1;
        bool proven = first >= 0 && lastStart + span - 1 < length;
        bool outside = mask is null && _conditional == 0 && (lastStart < 0 || first + span - 1 >= length);
        string width = lanes > 1 ? $" ({lanes} lanes{(stride != 1 ? $" of stride {stride}" : "")})" : "";
        Add(log, access, proven, outside, outside
            ? $"{where}{width} is always outside [0, {length})"
            : $"{where}{width} may leave [0, {length})");
    }

    private static void Add(List<Judgment> log, MStmt access, bool proven, bool outOfBounds, string reason) =>
        log.Add(new Judgment(access, proven, outOfBounds, reason));

    private sealed record Judgment(MStmt Access, bool Proven, bool OutOfBounds, string Reason);

    private void Record(MStmt access, bool proven, bool outOfBounds, string reason)
    {
        if (_proven.TryGetValue(access, out bool p))
        {
            _proven[access] = p && proven;
            _outOfBounds[access] = _outOfBounds[access] && outOfBounds;
            if (!proven) _reasons.TryAdd(access, reason);
            return;
        }
        _order.Add(access);
        _proven[access] = proven;
        _outOfBounds[access] = outOfBounds && !proven;
        if (!proven) _reasons[access] = reason;
    }
}
