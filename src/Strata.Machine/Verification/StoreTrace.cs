using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Tile;

namespace Strata.Machine.Verification;

/// <summary>Checks that no element of one output is stored twice over all program instances of a kernel, by running
/// its address computation: only the scalar i64 and bool registers (from constants, program ids, loop variables and
/// integer arithmetic), every instance in turn, marking each element a store of the output writes. A loop with no
/// store of the output is not run: the registers it assigns become unknown, as do loaded values and anything computed
/// from them. A store whose index, lane range or mask is unknown, an if on an unknown condition around such a store,
/// or more than the budget's statements, leave the check unproven.</summary>
internal sealed class StoreTrace
{
    /// <summary>Register names (a name has one type in a kernel) → slots of <see cref="_value"/> and <see cref="_known"/>.</summary>
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly string _output;
    private long[] _pid = [];
    private long[] _value = [];
    private bool[] _known = [];
    private BitArray _written = new(0);
    private long _steps, _budget;
    private string? _failure;

    private StoreTrace(string output) { _output = output; }

    /// <summary>Null when every element of <paramref name="output"/> is stored at most once; else why not proven.</summary>
    public static string? Refusal(MachineKernel kernel, string output, long budget)
    {
        var t = new StoreTrace(output) { _budget = budget };
        var body = t.Compile(kernel.Body);
        if (t._failure is not null) return t._failure;
        long length = kernel.Memory(output)!.Value.Length;
        if (length > int.MaxValue) return "the output is too large to trace";
        t._value = new long[t._ids.Count];
        t._known = new bool[t._ids.Count];
        t._written = new BitArray((int)length);
        var grid = kernel.Grid;
        var pid = new long[grid.Length];
        for (long program = 0; program < kernel.Programs; program++)
        {
            for (long rest = program, a = grid.Length - 1; a >= 0; a--)
            {
                pid[a] = rest % grid[(int)a];
                rest /= grid[(int)a];
            }
            t._pid = pid;
            Array.Clear(t._known);
            if (!t.Run(body)) return t._failure;
        }
        return null;
    }

    private static bool Tracked(Reg r) => r.Type.Lanes == 1 && (r.Type.Element == DataType.Bool || !ScalarSemantics.IsFloat(r.Type.Element));

    private int Id(Reg r) => Id(r.Name);

    private int Id(string name)
    {
        if (!_ids.TryGetValue(name, out int id)) _ids[name] = id = _ids.Count;
        return id;
    }

    // ---- compiled form: only what the addresses of the output's stores depend on ----

    private abstract record Node;
    private enum Kind { Unknown, Const, Pid, Move, Unary, Binary, Select, Cast }

    /// <summary>Dest = the statement's value from registers A, B, C (by <see cref="Kind"/>).</summary>
    private sealed record Set(int Dest, Kind Kind, long Value = 0, int A = -1, int B = -1, int C = -1, MStmt? Stmt = null) : Node;
    private sealed record Forget(int[] Regs) : Node;
    private sealed record Loop(int Var, int Lower, int Upper, long Step, Node[] Body) : Node;
    private sealed record If(int Condition, Node[] Then, Node[] Else) : Node;
    private sealed record Store(int Index, int Mask, int From, int Count, int Lanes, long Stride) : Node;

    private Node[] Compile(ImmutableArray<MStmt> list)
    {
        var nodes = new List<Node>();
        foreach (var s in list)
        {
            switch (s)
            {
                case StoreStmt st when st.Memory == _output:
                    if (st.Mask is { Type.IsVector: true }) { _failure = "a store of the output has a lane mask"; return []; }
                    nodes.Add(new Store(Id(st.Index), Opt(st.Mask), Opt(st.From), Opt(st.Count), st.Value.Type.Lanes, st.Stride));
                    break;
                case LoopStmt l when MachineVerifier.Stores(l.Body, _output):
                    nodes.Add(new Loop(Id(l.Var), Id(l.Lower), Id(l.Upper), l.Step, Compile(l.Body)));
                    break;
                case LoopStmt or IfStmt when !MachineVerifier.Stores([s], _output):
                    var assigned = new HashSet<string>(StringComparer.Ordinal);
                    DigitLoopFacts.Assigned([s], assigned);
                    if (assigned.Count > 0) nodes.Add(new Forget([.. assigned.Select(Id)]));
                    break;
                case IfStmt f:
                    nodes.Add(new If(Id(f.Condition), Compile(f.Then), Compile(f.Else)));
                    break;
                default:
                    if (s.Dest is { } d && Tracked(d)) nodes.Add(Setter(s, Id(d)));
                    break;
            }
        }
        return [.. nodes];
    }

    private int Opt(Reg? r) => r is null ? -1 : Id(r);

    /// <summary>How a statement computes its tracked destination from tracked operands (unknown otherwise: loads,
    /// reductions, casts of floats).</summary>
    private Set Setter(MStmt s, int dest) => s switch
    {
        ConstStmt c => new Set(dest, Kind.Const, c.Value.I),
        ProgramIdStmt p => new Set(dest, Kind.Pid, p.Axis),
        MoveStmt m when Tracked(m.Source) => new Set(dest, Kind.Move, A: Id(m.Source)),
        UnaryStmt u when Tracked(u.X) => new Set(dest, Kind.Unary, A: Id(u.X), Stmt: s),
        BinaryStmt b when Tracked(b.A) && Tracked(b.B) => new Set(dest, Kind.Binary, A: Id(b.A), B: Id(b.B), Stmt: s),
        SelectStmt e when Tracked(e.Condition) && Tracked(e.IfTrue) && Tracked(e.IfFalse) =>
            new Set(dest, Kind.Select, A: Id(e.Condition), B: Id(e.IfTrue), C: Id(e.IfFalse)),
        CastStmt c when Tracked(c.X) => new Set(dest, Kind.Cast, A: Id(c.X), Stmt: s),
        _ => new Set(dest, Kind.Unknown),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs ~10^5 steps per kernel at compile time: tier 0 is 7× slower
    private (bool, long) Eval(Set s)
    {
        switch (s.Kind)
        {
            case Kind.Const: return (true, s.Value);
            case Kind.Pid: return (true, _pid[s.Value]);
            case Kind.Move: return (_known[s.A], _value[s.A]);
            case Kind.Select:
                if (!_known[s.A]) return (false, 0);
                int pick = _value[s.A] != 0 ? s.B : s.C;
                return (_known[pick], _value[pick]);
            case Kind.Unknown: return (false, 0);
        }
        if (!_known[s.A] || s.B >= 0 && !_known[s.B]) return (false, 0);
        long x = _value[s.A], y = s.B >= 0 ? _value[s.B] : 0;
        try
        {
            switch (s.Stmt)
            {
                case BinaryStmt { Op: var op, A.Type.Element: DataType.Int64 } when op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul:
                    return (true, op == BinaryOp.Add ? x + y : op == BinaryOp.Sub ? x - y : x * y); // the common case, without the general path
                case BinaryStmt b:
                    return (true, ScalarSemantics.Binary(b.Op, b.A.Type.Element, Scalar.Int(x), Scalar.Int(y)).I);
                case UnaryStmt u:
                    return (true, ScalarSemantics.Unary(u.Op, u.X.Type.Element, Scalar.Int(x)).I);
                case CastStmt c:
                    return (true, ScalarSemantics.Cast(Scalar.Int(x), c.X.Type.Element, c.Target.Type.Element).I);
            }
        }
        catch (StrataException) { }
        return (false, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs ~10^5 steps per kernel at compile time: tier 0 is 7× slower
    private bool Run(Node[] nodes)
    {
        foreach (var n in nodes)
        {
            if (++_steps > _budget) { _failure = $"the kernel is too large to trace ({_budget} steps)"; return false; }
            switch (n)
            {
                case Set s:
                    (_known[s.Dest], _value[s.Dest]) = Eval(s);
                    break;
                case Forget f:
                    foreach (int r in f.Regs) _known[r] = false;
                    break;
                case Loop l:
                    if (!_known[l.Lower] || !_known[l.Upper] || l.Step <= 0) { _failure = "a loop around a store of the output has unknown bounds"; return false; }
                    for (long i = _value[l.Lower], hi = _value[l.Upper]; i < hi; i += l.Step)
                    {
                        (_known[l.Var], _value[l.Var]) = (true, i);
                        if (!Run(l.Body)) return false;
                    }
                    _known[l.Var] = false;
                    break;
                case If f:
                    if (!_known[f.Condition]) { _failure = "an if around a store of the output has an unknown condition"; return false; }
                    if (!Run(_value[f.Condition] != 0 ? f.Then : f.Else)) return false;
                    break;
                case Store st:
                    if (!Mark(st)) return false;
                    break;
            }
        }
        return true;
    }

    /// <summary>Marks the elements one store writes: lane l in [from, count) ∩ [0, lanes) writes index + l·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs ~10^5 steps per kernel at compile time: tier 0 is 7× slower
    private bool Mark(Store s)
    {
        if (!_known[s.Index] || s.Mask >= 0 && !_known[s.Mask] || s.From >= 0 && !_known[s.From] || s.Count >= 0 && !_known[s.Count])
        {
            _failure = "a store of the output has an index, mask or lane range not known from constants, program ids and loop variables";
            return false;
        }
        if (s.Mask >= 0 && _value[s.Mask] == 0) return true;
        long from = Math.Max(0, s.From >= 0 ? _value[s.From] : 0), to = Math.Min(s.Lanes, s.Count >= 0 ? _value[s.Count] : s.Lanes);
        for (long l = from; l < to; l++)
        {
            long e = _value[s.Index] + l * s.Stride;
            if (e < 0 || e >= _written.Length) { _failure = $"a store of the output writes element {e}, out of bounds"; return false; }
            if (_written[(int)e]) { _failure = $"element {e} of the output is stored twice"; return false; }
            _written[(int)e] = true;
        }
        return true;
    }
}
