using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Graph.Verification;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Verification;

/// <summary>Checks that a level-3 kernel is well formed and reports every problem it finds:
/// <list type="bullet">
/// <item>Signature: unique parameter names, element types the scalar levels compute, non-negative dims and grid
/// extents; local buffers have unique names that are not parameter names, and non-negative lengths.</item>
/// <item>Registers: each name has one type everywhere; every use is assigned before on every path (an if assigns
/// what both branches assign; a loop body's assignments do not count after the loop, its variable is assigned
/// inside only); a loop variable is not assigned in its body.</item>
/// <item>Types: vectors have the target's lane count for their element (<see cref="Target.Lanes"/>; a vector of
/// bool has the lane count of some vector type); operands agree (binary: one type; comparisons and predicates
/// give bool of the same lanes; select takes a bool condition of the result's lanes; fma is float only; broadcast
/// is scalar to vector of one element; reduce_lanes is vector to scalar with sum/prod/max/min; cast keeps the
/// lanes); the op is defined for the element type (<see cref="ScalarSemantics.IsDefined(UnaryOp, DataType)"/>);
/// constants and <c>other</c> literals are values of their type; program_id axes exist and give i64.</item>
/// <item>Memory: accessed memory exists; element types match; indices are scalar i64; masks are scalar bool on
/// scalar accesses only, counts scalar i64 on vector accesses only; nothing is stored to an input parameter.</item>
/// <item>Bounds: when the rest is valid, <see cref="BoundsAnalysis"/> runs and accesses it proves out of bounds
/// are errors (unproven accesses are not: the backend checks them at run time).</item>
/// </list></summary>
public sealed class MachineVerifier
{
    private readonly MachineKernel _kernel;
    private readonly List<MachineDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, MType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<MStmt, int> _numbers = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<int> _boolLanes;
    private int _counter;
    private MStmt? _current;

    private MachineVerifier(MachineKernel kernel)
    {
        _kernel = kernel;
        _boolLanes = [.. Enum.GetValues<DataType>().Select(kernel.Target.Lanes).Where(l => l > 1)];
    }

    /// <summary>All problems in <paramref name="kernel"/>, in kernel order (bounds last).</summary>
    public static IReadOnlyList<MachineDiagnostic> Diagnose(MachineKernel kernel, bool checkBounds = true)
    {
        var v = new MachineVerifier(kernel);
        v.CheckSignature();
        v.CheckStmts(Safe(kernel.Body), new HashSet<string>(StringComparer.Ordinal), []);
        if (checkBounds && !v._diagnostics.Any(d => d.IsError))
        {
            var report = BoundsAnalysis.Analyze(kernel);
            foreach (var u in report.OutOfBounds)
            {
                v._current = u.Access;
                v.Error(ErrorCode.IndexOutOfRange, u.Reason);
            }
        }
        return v._diagnostics;
    }

    /// <summary>Throws a <see cref="StrataException"/> with <see cref="ErrorCode.VerificationFailed"/> listing every
    /// error if <paramref name="kernel"/> has any.</summary>
    public static void Verify(MachineKernel kernel, bool checkBounds = true)
    {
        var errors = Diagnose(kernel, checkBounds).Where(d => d.IsError).ToList();
        if (errors.Count == 0) return;
        throw new StrataException(ErrorCode.VerificationFailed,
            $"machine kernel @{kernel.Name} is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):\n" +
            string.Join("\n", errors.Select(e => "  " + e)),
            "fix the kernel where each error points; print it with MachinePrinter to see it whole",
            $"machine kernel @{kernel.Name}");
    }

    private static ImmutableArray<T> Safe<T>(ImmutableArray<T> items) => items.IsDefault ? [] : items;

    private string Location
    {
        get
        {
            string where = $"machine kernel @{_kernel.Name}";
            if (_current is null) return where;
            string text;
            try { text = MachinePrinter.Headline(_current); }
            catch (Exception e) when (e is StrataException or NullReferenceException) { text = _current.GetType().Name; }
            return _numbers.TryGetValue(_current, out int n) ? $"{where}, stmt {n}: {text}" : $"{where}: {text}";
        }
    }

    private void Error(ErrorCode code, string message) =>
        _diagnostics.Add(new MachineDiagnostic(DiagnosticSeverity.Error, code, message, Location));

    private void Warn(ErrorCode code, string message) =>
        _diagnostics.Add(new MachineDiagnostic(DiagnosticSeverity.Warning, code, message, Location));

    private void CheckSignature()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Safe(_kernel.Params))
        {
            if (!names.Add(p.Name)) Error(ErrorCode.InvalidIr, $"parameter %{p.Name} is declared twice");
            if (!ScalarSemantics.IsSupported(p.Element)) Error(ErrorCode.UnsupportedDataType, $"parameter %{p.Name} has element type {p.Element}, which the scalar levels do not compute");
            if (p.Shape.IsDefault || p.Shape.Any(d => d < 0)) Error(ErrorCode.InvalidShape, $"parameter %{p.Name} has a negative (or missing) dimension");
        }
        foreach (var b in Safe(_kernel.Buffers))
        {
            if (!names.Add(b.Name)) Error(ErrorCode.InvalidIr, $"buffer %{b.Name} has the name of another buffer or parameter");
            if (!ScalarSemantics.IsSupported(b.Element)) Error(ErrorCode.UnsupportedDataType, $"buffer %{b.Name} has element type {b.Element}, which the scalar levels do not compute");
            if (b.Length < 0) Error(ErrorCode.InvalidShape, $"buffer %{b.Name} has a negative length {b.Length}");
        }
        if (_kernel.Grid.IsDefault || _kernel.Grid.Any(g => g < 0)) Error(ErrorCode.InvalidShape, "the grid has a negative (or missing) extent");
        foreach (var p in Safe(_kernel.Params))
            if (p.Role == ParamRole.Output && !Stores(Safe(_kernel.Body), p.Name))
                Warn(ErrorCode.InvalidIr, $"output %{p.Name} is never stored to");
    }

    /// <summary>Whether any of the statements (nested ones too) stores to <paramref name="memory"/>.</summary>
    internal static bool Stores(ImmutableArray<MStmt> stmts, string memory) => stmts.Any(s => s switch
    {
        StoreStmt st => st.Memory == memory,
        LoopStmt l => Stores(Safe(l.Body), memory),
        IfStmt i => Stores(Safe(i.Then), memory) || Stores(Safe(i.Else), memory),
        _ => false,
    });

    /// <summary>Checks <paramref name="stmts"/> with <paramref name="assigned"/> the registers assigned on every
    /// path so far (updated in place) and <paramref name="loopVars"/> the variables of enclosing loops.</summary>
    private void CheckStmts(ImmutableArray<MStmt> stmts, HashSet<string> assigned, ImmutableHashSet<string> loopVars)
    {
        foreach (var s in stmts)
        {
            if (s is null) continue;
            _current = s;
            _numbers.TryAdd(s, ++_counter);
            CheckStmt(s, assigned, loopVars);
        }
    }

    private void CheckStmt(MStmt s, HashSet<string> assigned, ImmutableHashSet<string> loopVars)
    {
        foreach (var u in s.Uses)
        {
            Register(u);
            if (!assigned.Contains(u.Name))
                Error(ErrorCode.UndefinedValue, $"%{u.Name} is not assigned on every path before this use");
        }
        if (s.Dest is { } d)
        {
            Register(d);
            if (loopVars.Contains(d.Name)) Error(ErrorCode.InvalidIr, $"%{d.Name} is the variable of an enclosing loop; the loop body must not assign it");
        }
        CheckTypes(s);
        switch (s)
        {
            case LoopStmt l:
            {
                Register(l.Var);
                if (l.Var.Type != MType.I64) Error(ErrorCode.TypeMismatch, $"loop variable %{l.Var.Name} is {l.Var.Type}, not i64");
                if (loopVars.Contains(l.Var.Name)) Error(ErrorCode.InvalidIr, $"%{l.Var.Name} is already the variable of an enclosing loop");
                var inner = new HashSet<string>(assigned, StringComparer.Ordinal) { l.Var.Name };
                CheckStmts(Safe(l.Body), inner, loopVars.Add(l.Var.Name));
                break;
            }
            case IfStmt i:
            {
                var then = new HashSet<string>(assigned, StringComparer.Ordinal);
                CheckStmts(Safe(i.Then), then, loopVars);
                var els = new HashSet<string>(assigned, StringComparer.Ordinal);
                CheckStmts(Safe(i.Else), els, loopVars);
                then.IntersectWith(els);
                assigned.UnionWith(then);
                break;
            }
            default:
                if (s.Dest is { } dest) assigned.Add(dest.Name);
                break;
        }
    }

    /// <summary>One type per register name; vector lane counts fit the target.</summary>
    private void Register(Reg r)
    {
        if (_types.TryGetValue(r.Name, out var t))
        {
            if (t != r.Type) Error(ErrorCode.TypeMismatch, $"%{r.Name} is {r.Type} here but {t} elsewhere (a register keeps one type)");
            return;
        }
        _types[r.Name] = r.Type;
        CheckType(r);
    }

    private void CheckType(Reg r)
    {
        var t = r.Type;
        if (!ScalarSemantics.IsSupported(t.Element)) { Error(ErrorCode.UnsupportedDataType, $"%{r.Name} has element type {t.Element}, which the scalar levels do not compute"); return; }
        if (t.Lanes < 1) { Error(ErrorCode.TypeMismatch, $"%{r.Name} has {t.Lanes} lanes"); return; }
        if (!t.IsVector) return;
        if (t.Element == DataType.Bool)
        {
            if (!_boolLanes.Contains(t.Lanes))
                Error(ErrorCode.TypeMismatch, $"%{r.Name} is {t}, but vectors on {_kernel.Target.Name} have {(_boolLanes.Count == 0 ? "no lanes (it has no vectors)" : string.Join(" or ", _boolLanes.Order()) + " lanes")}");
        }
        else if (_kernel.Target.Lanes(t.Element) != t.Lanes)
        {
            int lanes = _kernel.Target.Lanes(t.Element);
            Error(ErrorCode.TypeMismatch, lanes == 1
                ? $"%{r.Name} is {t}, but {_kernel.Target.Name} has no vectors of {t.Element.ShortName()}"
                : $"%{r.Name} is {t}, but vectors of {t.Element.ShortName()} on {_kernel.Target.Name} have {lanes} lanes");
        }
    }

    private void Same(Reg a, Reg b, string what)
    {
        if (a.Type != b.Type) Error(ErrorCode.TypeMismatch, $"{what}: %{a.Name} is {a.Type} but %{b.Name} is {b.Type}");
    }

    private void ScalarOf(Reg r, MType t, string what)
    {
        if (r.Type != t) Error(ErrorCode.TypeMismatch, $"{what} %{r.Name} must be {t}, not {r.Type}");
    }

    private void CheckLiteral(Scalar value, DataType type, string what)
    {
        if (!ScalarSemantics.IsSupported(type)) return;
        var n = ScalarSemantics.Normalize(value, type);
        bool same = ScalarSemantics.IsFloat(type) ? n.F.Equals(value.F) : n.I == value.I;
        if (!same) Error(ErrorCode.TypeMismatch, $"{what} is not a value of type {type.ShortName()}");
    }

    private void CheckTypes(MStmt s)
    {
        switch (s)
        {
            case ConstStmt c:
                CheckLiteral(c.Value, c.Target.Type.Element, "the constant");
                break;
            case ProgramIdStmt p:
                if (p.Axis < 0 || p.Axis >= (_kernel.Grid.IsDefault ? 0 : _kernel.Grid.Length))
                    Error(ErrorCode.InvalidIr, $"program_id axis {p.Axis} does not exist (the grid has {(_kernel.Grid.IsDefault ? 0 : _kernel.Grid.Length)} axes)");
                ScalarOf(p.Target, MType.I64, "the result of program_id");
                break;
            case MoveStmt m:
                Same(m.Target, m.Source, "mov copies a register of its own type");
                break;
            case UnaryStmt u:
                if (!ScalarSemantics.IsDefined(u.Op, u.X.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"{u.Op.Name()} is not defined for {u.X.Type.Element.ShortName()}");
                else if (u.Target.Type != u.X.Type.WithElement(ScalarSemantics.ResultType(u.Op, u.X.Type.Element)))
                    Error(ErrorCode.TypeMismatch, $"{u.Op.Name()} of {u.X.Type} gives {u.X.Type.WithElement(ScalarSemantics.ResultType(u.Op, u.X.Type.Element))}, not {u.Target.Type}");
                break;
            case BinaryStmt b:
                if (b.A.Type != b.B.Type) Same(b.A, b.B, $"operands of {b.Op.Name()} have different types");
                else if (!ScalarSemantics.IsDefined(b.Op, b.A.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"{b.Op.Name()} is not defined for {b.A.Type.Element.ShortName()}");
                else if (b.Target.Type != b.A.Type.WithElement(ScalarSemantics.ResultType(b.Op, b.A.Type.Element)))
                    Error(ErrorCode.TypeMismatch, $"{b.Op.Name()} of {b.A.Type} gives {b.A.Type.WithElement(ScalarSemantics.ResultType(b.Op, b.A.Type.Element))}, not {b.Target.Type}");
                break;
            case FmaStmt f:
                Same(f.A, f.Target, "fma operands and result have one type");
                Same(f.B, f.Target, "fma operands and result have one type");
                Same(f.C, f.Target, "fma operands and result have one type");
                if (!ScalarSemantics.IsFloat(f.Target.Type.Element)) Error(ErrorCode.TypeMismatch, $"fma is for float types, not {f.Target.Type}");
                break;
            case SelectStmt sel:
                if (sel.Condition.Type != new MType(DataType.Bool, sel.Target.Type.Lanes))
                    Error(ErrorCode.TypeMismatch, $"the condition %{sel.Condition.Name} must be {new MType(DataType.Bool, sel.Target.Type.Lanes)} (bool with the result's lanes), not {sel.Condition.Type}");
                Same(sel.IfTrue, sel.Target, "select's operands have the result's type");
                Same(sel.IfFalse, sel.Target, "select's operands have the result's type");
                break;
            case CastStmt c:
                if (c.X.Type.Lanes != c.Target.Type.Lanes) Error(ErrorCode.TypeMismatch, $"cast keeps the lanes: {c.X.Type} cannot become {c.Target.Type}");
                break;
            case BroadcastStmt b:
                if (b.Source.Type.IsVector || !b.Target.Type.IsVector || b.Source.Type.Element != b.Target.Type.Element)
                    Error(ErrorCode.TypeMismatch, $"broadcast copies a scalar into a vector of its element type, not {b.Source.Type} into {b.Target.Type}");
                break;
            case ShuffleStmt sh:
                if (!sh.Target.Type.IsVector) Error(ErrorCode.TypeMismatch, $"shuffle gives a vector, not {sh.Target.Type}");
                Same(sh.A, sh.Target, "shuffle operands and result have one type");
                Same(sh.B, sh.Target, "shuffle operands and result have one type");
                if (sh.Lanes.Length != sh.Target.Type.Lanes || sh.Lanes.Any(i => i < 0 || i >= 2 * sh.Target.Type.Lanes))
                    Error(ErrorCode.InvalidIr, $"shuffle needs {sh.Target.Type.Lanes} lane indices in [0, {2 * sh.Target.Type.Lanes}), not [{string.Join(", ", sh.Lanes)}]");
                break;
            case ReduceLanesStmt r:
                if (r.Op.Step() is null)
                    Error(ErrorCode.InvalidIr, $"reduce_lanes does sum, prod, max, min or maxnative, not {r.Op.Name()}");
                if (!r.Vector.Type.IsVector || r.Target.Type != r.Vector.Type.ScalarType)
                    Error(ErrorCode.TypeMismatch, $"reduce_lanes takes a vector to a scalar of its element type, not {r.Vector.Type} to {r.Target.Type}");
                break;
            case LoadStmt l:
                CheckAccess(l.Memory, l.Index, l.Target.Type, l.Mask, l.From, l.Count, store: false);
                if (l.Other is { } o) CheckLiteral(o, l.Target.Type.Element, "the other value");
                if (l.Stride != 1 && (!l.Target.Type.IsVector || l.Stride < 2))
                    Error(ErrorCode.InvalidIr, l.Target.Type.IsVector ? $"a lane stride is at least 2, not {l.Stride}" : "a lane stride is for vector loads only");
                break;
            case StoreStmt st:
                CheckAccess(st.Memory, st.Index, st.Value.Type, st.Mask, st.From, st.Count, store: true);
                if (st.Stride != 1 && (!st.Value.Type.IsVector || st.Stride < 2))
                    Error(ErrorCode.InvalidIr, st.Value.Type.IsVector ? $"a lane stride is at least 2, not {st.Stride}" : "a lane stride is for vector stores only");
                break;
            case PrefetchStmt p:
                if (_kernel.Memory(p.Memory) is null) Error(ErrorCode.UndefinedValue, $"%{p.Memory} is not a parameter or buffer of the kernel");
                ScalarOf(p.Index, MType.I64, "the index");
                break;
            case LoopStmt loop:
                ScalarOf(loop.Lower, MType.I64, "the lower bound");
                ScalarOf(loop.Upper, MType.I64, "the upper bound");
                if (loop.Step <= 0) Error(ErrorCode.InvalidIr, $"the loop step must be positive, not {loop.Step}");
                break;
            case IfStmt i:
                ScalarOf(i.Condition, MType.Bool, "the condition");
                break;
        }
    }

    private void CheckAccess(string memory, Reg index, MType value, Reg? mask, Reg? from, Reg? count, bool store)
    {
        var mem = _kernel.Memory(memory);
        if (mem is null) { Error(ErrorCode.UndefinedValue, $"%{memory} is not a parameter or buffer of the kernel"); return; }
        if (mem.Value.Element != value.Element)
            Error(ErrorCode.TypeMismatch, $"%{memory} holds {mem.Value.Element.ShortName()}, but the {(store ? "stored" : "loaded")} value is {value}");
        if (store && _kernel.Param(memory) is { Role: ParamRole.Input })
            Error(ErrorCode.InvalidIr, $"%{memory} is an input parameter; only output and scratch parameters and buffers are stored to");
        ScalarOf(index, MType.I64, "the index");
        if (mask is not null)
        {
            if (value.IsVector) Error(ErrorCode.InvalidIr, "a mask is for scalar accesses only (vector accesses take a count)");
            ScalarOf(mask, MType.Bool, "the mask");
        }
        if (from is not null)
        {
            if (!value.IsVector) Error(ErrorCode.InvalidIr, "a from is for vector accesses only (scalar accesses take a mask)");
            ScalarOf(from, MType.I64, "the from");
        }
        if (count is not null)
        {
            if (!value.IsVector) Error(ErrorCode.InvalidIr, "a count is for vector accesses only (scalar accesses take a mask)");
            ScalarOf(count, MType.I64, "the count");
        }
    }
}
