using System.Collections.Immutable;
using System.Text;
using Strata.Core;
using Strata.Graph.Verification;
using Strata.Tile.Text;

namespace Strata.Tile.Verification;

/// <summary>Checks that a Tile kernel is well formed and reports every problem it finds, not just the first:
/// <list type="bullet">
/// <item>Names: buffers and axes are named once; dims and extents are non-negative; element types are ones the
/// scalar levels compute (<see cref="ScalarSemantics.IsSupported"/>).</item>
/// <item>Computations: write a declared output or temp (never an input), each buffer once; one index axis per
/// output dim, declared, distinct, with the dim's extent; reduction axes declared, distinct and not among the
/// output indices (arg reductions: exactly one); the result type is the buffer's element type (i64 for arg
/// reductions).</item>
/// <item>Bodies: operand types agree (binary operands alike, select condition bool and branches alike, load
/// indices i64, one per buffer dim, load type = buffer type), every op is defined on its operand type
/// (<see cref="ScalarSemantics.IsDefined(UnaryOp, DataType)"/>), every index variable is in scope (the output
/// indices and reduction axes), and every buffer read is an input or was written by an earlier computation.</item>
/// <item>After all computations: every output is written. Temps never written and axes never used are warnings.</item>
/// <item>Bounds: an interval analysis over the axis extents proves loads in range where it can. Inside a select's
/// branch it uses what the condition says about index expressions (<c>select(lt(sub(i, 1), 3), %x[sub(i, 1)], …)</c>
/// proves the load), and loads under a select it cannot prove are exempt (the guard may be data-dependent). A
/// load outside any select that is provably out of range at some point is an error (E3002); one it can neither
/// prove nor refute is a warning.</item>
/// </list>
/// The walk over bodies is structural (not an <see cref="IOpsHandler{T}"/>) because it needs to see which select
/// guards which load.</summary>
public sealed class TileVerifier
{
    private readonly TileKernel _kernel;
    private readonly List<TileDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, TileBuffer> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Axis> _axes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _axisSlots = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly List<Fact> _facts = [];

    // State of the computation being checked.
    private string _where = "";
    private string _writing = "";
    private readonly HashSet<string> _scope = new(StringComparer.Ordinal);
    private bool _emptyDomain;
    private int _quiet;

    private readonly bool _strictBounds;

    private TileVerifier(TileKernel kernel, bool strictBounds)
    {
        _kernel = kernel;
        _strictBounds = strictBounds;
    }

    private string KernelLocation => $"tile kernel {TileSyntax.KernelRef(_kernel.Name)}";

    /// <summary>All problems in <paramref name="kernel"/>, errors and warnings, in kernel order.</summary>
    /// <param name="strictBounds">Also warn about loads under a select that the analysis cannot prove in range
    /// (normally exempt): with it, no out-of-range diagnostic at all means every load is proven.</param>
    public static IReadOnlyList<TileDiagnostic> Diagnose(TileKernel kernel, bool strictBounds = false)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var v = new TileVerifier(kernel, strictBounds);
        v.CheckDeclarations();
        foreach (var c in kernel.Computations) v.CheckComputation(c);
        v.CheckCompletion();
        return v._diagnostics;
    }

    /// <summary>Throws a <see cref="StrataException"/> with <see cref="ErrorCode.VerificationFailed"/> that lists
    /// every error if <paramref name="kernel"/> has any (warnings do not fail verification).</summary>
    public static void Verify(TileKernel kernel)
    {
        var errors = Diagnose(kernel).Where(d => d.IsError).ToList();
        if (errors.Count == 0) return;
        throw new StrataException(ErrorCode.VerificationFailed,
            $"tile kernel @{kernel.Name} is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):\n" +
            string.Join("\n", errors.Select(e => "  " + e)),
            "fix the kernel where each error points; print it with TilePrinter to see it whole",
            $"tile kernel @{kernel.Name}");
    }

    // ---- declarations -----------------------------------------------------------------------------------

    private void CheckDeclarations()
    {
        foreach (var b in _kernel.Buffers)
        {
            string where = $"{KernelLocation}: buffer {TileSyntax.BufferRef(b.Name)}";
            if (b.Name.Length == 0) Error(ErrorCode.InvalidIr, "a buffer has an empty name", where);
            if (!_buffers.TryAdd(b.Name, b))
                Error(ErrorCode.InvalidIr, $"buffer {TileSyntax.BufferRef(b.Name)} is declared twice", where);
            if (!ScalarSemantics.IsSupported(b.ElementType))
                Error(ErrorCode.UnsupportedDataType, $"element type {b.ElementType.ShortName()} is not computed by Tile kernels", where);
            if (b.Shape.Any(d => d < 0))
                Error(ErrorCode.InvalidShape, $"shape [{string.Join(",", b.Shape)}] has a negative dim", where);
        }
        foreach (var a in _kernel.Axes)
        {
            string where = $"{KernelLocation}: axis {TileSyntax.AxisRef(a.Name)}";
            if (a.Name.Length == 0) Error(ErrorCode.InvalidIr, "an axis has an empty name", where);
            if (!_axes.TryAdd(a.Name, a))
                Error(ErrorCode.InvalidIr, $"axis {TileSyntax.AxisRef(a.Name)} is declared twice", where);
            else
                _axisSlots[a.Name] = _axisSlots.Count;
            if (a.Extent < 0) Error(ErrorCode.InvalidShape, $"axis {TileSyntax.AxisRef(a.Name)} has negative extent {a.Extent}", where);
        }
    }

    private void CheckCompletion()
    {
        foreach (var o in _kernel.Outputs)
            if (!_written.Contains(o.Name))
                Error(ErrorCode.InvalidIr, $"output {TileSyntax.BufferRef(o.Name)} is never written", KernelLocation);
        foreach (var t in _kernel.Temps)
            if (!_written.Contains(t.Name))
                Warning(ErrorCode.InvalidIr, $"temp {TileSyntax.BufferRef(t.Name)} is never written", KernelLocation);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in _kernel.Computations)
        {
            used.UnionWith(c.Indices);
            if (c.Reduce is { } r) used.UnionWith(r.Axes);
        }
        foreach (var a in _kernel.Axes)
            if (!used.Contains(a.Name))
                Warning(ErrorCode.InvalidIr, $"axis {TileSyntax.AxisRef(a.Name)} is not used by any computation", KernelLocation);
    }

    // ---- computations -----------------------------------------------------------------------------------

    private void CheckComputation(Computation c)
    {
        _where = $"{KernelLocation}: {ComputationHead(c)}";
        _writing = c.Output;
        _scope.Clear();
        _facts.Clear();
        _emptyDomain = false;

        _buffers.TryGetValue(c.Output, out var output);
        if (output is null)
            Error(ErrorCode.UndefinedValue, $"computation writes undeclared buffer {TileSyntax.BufferRef(c.Output)}");
        else if (output.Role == BufferRole.Input)
            Error(ErrorCode.InvalidIr, $"computation writes input {TileSyntax.BufferRef(c.Output)}; inputs are read-only");
        else if (_written.Contains(c.Output))
            Error(ErrorCode.InvalidIr, $"{TileSyntax.BufferRef(c.Output)} is written by an earlier computation; each buffer is defined by one computation");

        if (output is not null && c.Indices.Length != output.Rank)
            Error(ErrorCode.ShapeMismatch, $"{TileSyntax.BufferRef(c.Output)} has rank {output.Rank} but the computation has {c.Indices.Length} indices");
        for (int d = 0; d < c.Indices.Length; d++)
        {
            string name = c.Indices[d];
            if (!_axes.TryGetValue(name, out var axis))
            {
                Error(ErrorCode.UndefinedValue, $"output index {TileSyntax.AxisRef(name)} is not a declared axis");
                continue;
            }
            if (!_scope.Add(name))
                Error(ErrorCode.InvalidIr, $"axis {TileSyntax.AxisRef(name)} indexes two dims of the output");
            if (output is not null && d < output.Rank && axis.Extent != output.Shape[d])
                Error(ErrorCode.ShapeMismatch, $"axis {TileSyntax.AxisRef(name)} = {axis.Extent} indexes dim {d} of {TileSyntax.BufferRef(c.Output)}, which is {output.Shape[d]}");
            if (axis.Extent == 0) _emptyDomain = true;
        }

        bool isArg = false;
        if (c.Reduce is { } r)
        {
            isArg = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
            if (r.Axes.Length == 0)
                Error(ErrorCode.InvalidIr, $"{r.Op.Name()} reduces no axes");
            if (isArg && r.Axes.Length > 1)
                Error(ErrorCode.InvalidIr, $"{r.Op.Name()} reduces {r.Axes.Length} axes; an arg reduction takes exactly one");
            foreach (var name in r.Axes)
            {
                if (!_axes.TryGetValue(name, out var axis))
                {
                    Error(ErrorCode.UndefinedValue, $"reduction axis {TileSyntax.AxisRef(name)} is not a declared axis");
                    continue;
                }
                if (c.Indices.Contains(name))
                    Error(ErrorCode.InvalidIr, $"axis {TileSyntax.AxisRef(name)} is both an output index and a reduction axis");
                else if (!_scope.Add(name))
                    Error(ErrorCode.InvalidIr, $"reduction axis {TileSyntax.AxisRef(name)} is listed twice");
                if (axis.Extent == 0) _emptyDomain = true;
            }
        }

        var bodyType = c.Body.Type;
        var resultType = isArg ? DataType.Int64 : bodyType;
        if (output is not null && resultType != output.ElementType)
            Error(ErrorCode.TypeMismatch, $"the computation yields {resultType.ShortName()} but {TileSyntax.BufferRef(c.Output)} holds {output.ElementType.ShortName()}");
        if (c.Reduce is { } red && !isArg && bodyType == DataType.Bool && red.Op is ReduceOp.Sum or ReduceOp.Prod)
            Error(ErrorCode.TypeMismatch, $"{red.Op.Name()} of bool values; cast them to a number first");

        Walk(c.Body, guarded: false);
        _written.Add(c.Output);
    }

    private static string ComputationHead(Computation c)
    {
        var sb = new StringBuilder(TileSyntax.BufferRef(c.Output)).Append('[');
        sb.AppendJoin(", ", c.Indices.Select(TileSyntax.AxisRef)).Append(']');
        return sb.ToString();
    }

    // ---- bodies: types, scopes and intervals -------------------------------------------------------------

    /// <summary>What the analysis knows of an expression: its type and, for integer types, an interval
    /// [<see cref="Lo"/>, <see cref="Hi"/>]. <see cref="Tight"/>: both ends are reached at some point of the
    /// domain (so a tight interval reaching outside a dim is a real out-of-range access); <see cref="Vars"/>:
    /// the axes it depends on (a bit per axis slot; sums of tight values on disjoint axes stay tight).</summary>
    private readonly record struct Abs(DataType Type, bool Known, long Lo, long Hi, bool Tight, ulong Vars)
    {
        public static Abs Unknown(DataType t) => new(t, false, 0, 0, false, 0);
        public bool IsConstant => Known && Lo == Hi && Vars == 0;
    }

    /// <summary>What a select's condition says inside one of its branches: <see cref="Subject"/> ∈ [Lo, Hi].</summary>
    private readonly record struct Fact(Expr Subject, long Lo, long Hi);

    private Abs Walk(Expr e, bool guarded) => Refine(e, e switch
    {
        IndexVar v => WalkIndexVar(v),
        Constant c => WalkConstant(c),
        Load l => WalkLoad(l, guarded),
        Unary u => WalkUnary(u, guarded),
        Binary b => WalkBinary(b, guarded),
        Select s => WalkSelect(s, guarded),
        Cast c => WalkCast(c, guarded),
        _ => Abs.Unknown(e.Type),
    });

    private Abs WalkIndexVar(IndexVar v)
    {
        if (!_scope.Contains(v.Name))
        {
            if (_axes.ContainsKey(v.Name))
                Error(ErrorCode.UndefinedValue, $"index variable {TileSyntax.AxisRef(v.Name)} is not in scope here (in scope: {string.Join(", ", _scope.Select(TileSyntax.AxisRef))})");
            else
                Error(ErrorCode.UndefinedValue, $"index variable {TileSyntax.AxisRef(v.Name)} is not a declared axis");
            return Abs.Unknown(DataType.Int64);
        }
        long extent = _axes[v.Name].Extent;
        if (extent <= 0) return Abs.Unknown(DataType.Int64);
        int slot = _axisSlots[v.Name];
        return new Abs(DataType.Int64, true, 0, extent - 1, true, slot < 64 ? 1UL << slot : 0);
    }

    private Abs WalkConstant(Constant c)
    {
        if (!ScalarSemantics.IsSupported(c.ConstantType))
            Error(ErrorCode.UnsupportedDataType, $"constant of type {c.ConstantType.ShortName()} is not computed by Tile kernels");
        return IsTracked(c.ConstantType) ? new Abs(c.ConstantType, true, c.Value.I, c.Value.I, true, 0) : Abs.Unknown(c.ConstantType);
    }

    private Abs WalkLoad(Load l, bool guarded)
    {
        var indices = new Abs[l.Indices.Length];
        for (int d = 0; d < l.Indices.Length; d++)
        {
            indices[d] = Walk(l.Indices[d], guarded);
            if (l.Indices[d].Type != DataType.Int64)
                Error(ErrorCode.TypeMismatch, $"index {d} of load {TileSyntax.BufferRef(l.Buffer)}[…] is {l.Indices[d].Type.ShortName()}; indices are i64");
        }
        if (!_buffers.TryGetValue(l.Buffer, out var b))
        {
            Error(ErrorCode.UndefinedValue, $"load of undeclared buffer {TileSyntax.BufferRef(l.Buffer)}");
            return Abs.Unknown(l.ElementType);
        }
        if (l.ElementType != b.ElementType)
            Error(ErrorCode.TypeMismatch, $"load of {TileSyntax.BufferRef(l.Buffer)} is typed {l.ElementType.ShortName()} but the buffer holds {b.ElementType.ShortName()}");
        if (b.Role != BufferRole.Input)
        {
            if (l.Buffer == _writing)
                Error(ErrorCode.InvalidIr, $"the computation reads {TileSyntax.BufferRef(l.Buffer)}, the buffer it writes");
            else if (!_written.Contains(l.Buffer))
                Error(ErrorCode.InvalidIr, $"{TileSyntax.BufferRef(l.Buffer)} is read before any computation writes it");
        }
        if (l.Indices.Length != b.Rank)
        {
            Error(ErrorCode.ShapeMismatch, $"load of {TileSyntax.BufferRef(l.Buffer)} has {l.Indices.Length} indices but the buffer has rank {b.Rank}");
            return Abs.Unknown(l.ElementType);
        }
        if (!_emptyDomain) CheckBounds(l, b, indices, guarded);
        return Abs.Unknown(l.ElementType);
    }

    private void CheckBounds(Load l, TileBuffer b, Abs[] indices, bool guarded)
    {
        bool proven = true;
        for (int d = 0; d < indices.Length; d++)
        {
            var a = indices[d];
            long size = b.Shape[d];
            if (a.Known && (a.Lo > a.Hi || (a.Lo >= 0 && a.Hi < size))) continue; // empty (dead branch) or in range
            proven = false;
            if (guarded || !a.Known) continue; // exempt under a select, or nothing known
            bool outside = a.Hi < 0 || a.Lo >= size;
            if (a.Tight)
            {
                long bad = a.Lo < 0 ? (a.Hi < 0 ? a.Hi : a.Lo) : (a.Lo >= size ? a.Lo : a.Hi);
                Error(ErrorCode.IndexOutOfRange,
                    $"load {TilePrinter.PrintExpr(l)} reads index {bad} of dim {d} of {TileSyntax.BufferRef(l.Buffer)} ({b.TypeText}): the index ranges over [{a.Lo}, {a.Hi}]");
                return;
            }
            if (outside)
            {
                Error(ErrorCode.IndexOutOfRange,
                    $"load {TilePrinter.PrintExpr(l)} is out of range of dim {d} of {TileSyntax.BufferRef(l.Buffer)} ({b.TypeText}) everywhere: the index lies in [{a.Lo}, {a.Hi}]");
                return;
            }
        }
        if (!proven && (!guarded || _strictBounds))
            Warning(ErrorCode.IndexOutOfRange, $"cannot prove load {TilePrinter.PrintExpr(l)} in range of {TileSyntax.BufferRef(l.Buffer)} ({b.TypeText}); guard it with a select or clamp the index");
    }

    private Abs WalkUnary(Unary u, bool guarded)
    {
        var x = Walk(u.X, guarded);
        if (!ScalarSemantics.IsDefined(u.Op, u.X.Type))
        {
            Error(ErrorCode.TypeMismatch, $"{u.Op.Name()} is not defined on {u.X.Type.ShortName()}");
            return Abs.Unknown(u.Type);
        }
        if (!x.Known || !IsTracked(u.Type)) return Abs.Unknown(u.Type);
        return u.Op switch
        {
            UnaryOp.Neg => Make(u.Type, -(Int128)x.Hi, -(Int128)x.Lo, x.Tight, x.Vars),
            UnaryOp.Abs => x.Lo >= 0 ? x : x.Hi <= 0 ? Make(u.Type, -(Int128)x.Hi, -(Int128)x.Lo, x.Tight, x.Vars)
                : Make(u.Type, 0, Int128.Max(-(Int128)x.Lo, x.Hi), false, x.Vars),
            UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round => x,
            _ => Abs.Unknown(u.Type),
        };
    }

    private Abs WalkBinary(Binary b, bool guarded)
    {
        var x = Walk(b.A, guarded);
        var y = Walk(b.B, guarded);
        if (b.A.Type != b.B.Type)
        {
            Error(ErrorCode.TypeMismatch, $"{b.Op.Name()} of {b.A.Type.ShortName()} and {b.B.Type.ShortName()}; operands must have the same type (insert a cast)");
            return Abs.Unknown(b.Type);
        }
        if (!ScalarSemantics.IsDefined(b.Op, b.A.Type))
        {
            Error(ErrorCode.TypeMismatch, $"{b.Op.Name()} is not defined on {b.A.Type.ShortName()}");
            return Abs.Unknown(b.Type);
        }
        if (!IsTracked(b.Type)) return Abs.Unknown(b.Type);
        if (b.Op is BinaryOp.Max or BinaryOp.Min && (x.Known || y.Known))
        {
            // A clamp bounds an unknown side: max(e, 0) >= 0, min(e, n - 1) <= n - 1.
            var (xl, xh) = Bounds(x);
            var (yl, yh) = Bounds(y);
            bool tight = (x.IsConstant && y.Tight) || (y.IsConstant && x.Tight);
            return b.Op == BinaryOp.Max
                ? Make(b.Type, Math.Max(xl, yl), Math.Max(xh, yh), tight, x.Vars | y.Vars)
                : Make(b.Type, Math.Min(xl, yl), Math.Min(xh, yh), tight, x.Vars | y.Vars);
        }
        if (!x.Known || !y.Known) return Abs.Unknown(b.Type);
        bool disjoint = (x.Vars & y.Vars) == 0 && x.Tight && y.Tight;
        ulong vars = x.Vars | y.Vars;
        switch (b.Op)
        {
            case BinaryOp.Add: return Make(b.Type, (Int128)x.Lo + y.Lo, (Int128)x.Hi + y.Hi, disjoint, vars);
            case BinaryOp.Sub: return Make(b.Type, (Int128)x.Lo - y.Hi, (Int128)x.Hi - y.Lo, disjoint, vars);
            case BinaryOp.Mul:
            {
                Int128 p1 = (Int128)x.Lo * y.Lo, p2 = (Int128)x.Lo * y.Hi, p3 = (Int128)x.Hi * y.Lo, p4 = (Int128)x.Hi * y.Hi;
                bool tight = (x.IsConstant && y.Tight) || (y.IsConstant && x.Tight);
                return Make(b.Type, Min(p1, p2, p3, p4), Max(p1, p2, p3, p4), tight, vars);
            }
            case BinaryOp.FloorDiv or BinaryOp.Div when y.IsConstant && y.Lo > 0 && (b.Op == BinaryOp.FloorDiv || x.Lo >= 0):
                return Make(b.Type, FloorDiv(x.Lo, y.Lo), FloorDiv(x.Hi, y.Lo), x.Tight, x.Vars);
            case BinaryOp.Mod when y.IsConstant && y.Lo > 0:
                return x.Lo >= 0 && x.Hi < y.Lo ? x : Make(b.Type, 0, y.Lo - 1, false, vars);
            default:
                return Abs.Unknown(b.Type);
        }
    }

    private Abs WalkSelect(Select s, bool guarded)
    {
        Walk(s.Condition, guarded);
        if (s.Condition.Type != DataType.Bool)
            Error(ErrorCode.TypeMismatch, $"select condition is {s.Condition.Type.ShortName()}; it must be bool");
        if (s.IfTrue.Type != s.IfFalse.Type)
            Error(ErrorCode.TypeMismatch, $"select branches are {s.IfTrue.Type.ShortName()} and {s.IfFalse.Type.ShortName()}; they must have the same type");
        int mark = _facts.Count;
        AddFacts(s.Condition, true);
        var t = Walk(s.IfTrue, guarded: true);
        _facts.RemoveRange(mark, _facts.Count - mark);
        AddFacts(s.Condition, false);
        var f = Walk(s.IfFalse, guarded: true);
        _facts.RemoveRange(mark, _facts.Count - mark);
        if (!t.Known || !f.Known || s.IfTrue.Type != s.IfFalse.Type || !IsTracked(s.Type)) return Abs.Unknown(s.Type);
        if (t.Lo > t.Hi) return f;
        if (f.Lo > f.Hi) return t;
        return new Abs(s.Type, true, Math.Min(t.Lo, f.Lo), Math.Max(t.Hi, f.Hi), false, t.Vars | f.Vars);
    }

    private Abs WalkCast(Cast c, bool guarded)
    {
        var x = Walk(c.X, guarded);
        if (!ScalarSemantics.IsSupported(c.To))
            Error(ErrorCode.UnsupportedDataType, $"cast to {c.To.ShortName()}, which Tile kernels do not compute");
        if (x.Known && IsTracked(c.X.Type) && IsTracked(c.To)) return Make(c.To, x.Lo, x.Hi, x.Tight, x.Vars);
        return Abs.Unknown(c.To);
    }

    /// <summary>Intersects what is known of <paramref name="e"/> with the facts of the enclosing select branches.</summary>
    private Abs Refine(Expr e, Abs a)
    {
        if (_facts.Count == 0 || !IsTracked(e.Type)) return a;
        foreach (var f in _facts)
        {
            if (!f.Subject.Equals(e)) continue;
            a = a.Known
                ? a with { Lo = Math.Max(a.Lo, f.Lo), Hi = Math.Min(a.Hi, f.Hi), Tight = false }
                : new Abs(a.Type, true, f.Lo, f.Hi, false, 0);
        }
        return a;
    }

    /// <summary>Records what <paramref name="condition"/> being <paramref name="truth"/> says about integer
    /// expressions: comparisons with a known side bound the other side; <c>and</c> (when true), <c>or</c> (when
    /// false) and <c>not</c> combine.</summary>
    private void AddFacts(Expr condition, bool truth)
    {
        switch (condition)
        {
            case Unary { Op: UnaryOp.Not } n:
                AddFacts(n.X, !truth);
                return;
            case Binary { Op: BinaryOp.And } b when truth:
                AddFacts(b.A, true);
                AddFacts(b.B, true);
                return;
            case Binary { Op: BinaryOp.Or } b when !truth:
                AddFacts(b.A, false);
                AddFacts(b.B, false);
                return;
            case Binary b when b.Op.IsComparison() && b.A.Type == b.B.Type && IsTracked(b.A.Type):
            {
                var op = truth ? b.Op : Negate(b.Op);
                _quiet++;
                var x = Walk(b.A, guarded: true);
                var y = Walk(b.B, guarded: true);
                _quiet--;
                // a < b: a <= hi(b) - 1 and b >= lo(a) + 1; the others alike.
                switch (op)
                {
                    case BinaryOp.Lt: Bound(b.A, null, y.Known ? y.Hi - 1 : null); Bound(b.B, x.Known ? x.Lo + 1 : null, null); break;
                    case BinaryOp.Le: Bound(b.A, null, y.Known ? y.Hi : null); Bound(b.B, x.Known ? x.Lo : null, null); break;
                    case BinaryOp.Gt: Bound(b.A, y.Known ? y.Lo + 1 : null, null); Bound(b.B, null, x.Known ? x.Hi - 1 : null); break;
                    case BinaryOp.Ge: Bound(b.A, y.Known ? y.Lo : null, null); Bound(b.B, null, x.Known ? x.Hi : null); break;
                    case BinaryOp.Eq:
                        if (y.Known) Bound(b.A, y.Lo, y.Hi);
                        if (x.Known) Bound(b.B, x.Lo, x.Hi);
                        break;
                }
                return;
            }
        }
    }

    private void Bound(Expr subject, long? lo, long? hi)
    {
        if (lo is null && hi is null) return;
        _facts.Add(new Fact(subject, lo ?? long.MinValue, hi ?? long.MaxValue));
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

    /// <summary>Integer types whose intervals are tracked (values fit a long without reinterpretation).</summary>
    private static bool IsTracked(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt32 or DataType.UInt16 or DataType.UInt8;

    /// <summary>The interval of a tracked value, or its type's whole range when unknown.</summary>
    private static (long Lo, long Hi) Bounds(Abs a) => a.Known ? (a.Lo, a.Hi) : a.Type switch
    {
        DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DataType.Int16 => (short.MinValue, short.MaxValue),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        DataType.UInt8 => (0, byte.MaxValue),
        DataType.UInt16 => (0, ushort.MaxValue),
        DataType.UInt32 => (0, uint.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    /// <summary>An interval of type <paramref name="t"/>, or unknown when it leaves the type's range (it may wrap).</summary>
    private static Abs Make(DataType t, Int128 lo, Int128 hi, bool tight, ulong vars)
    {
        if (lo < long.MinValue || hi > long.MaxValue) return Abs.Unknown(t);
        long l = (long)lo, h = (long)hi;
        if (ScalarSemantics.WrapInt(l, t) != l || ScalarSemantics.WrapInt(h, t) != h) return Abs.Unknown(t);
        return new Abs(t, true, l, h, tight, vars);
    }

    private static Int128 Min(params Int128[] v) => v.Min();
    private static Int128 Max(params Int128[] v) => v.Max();

    private static long FloorDiv(long p, long q)
    {
        long d = p / q;
        return p % q != 0 && (p < 0) != (q < 0) ? d - 1 : d;
    }

    private void Error(ErrorCode code, string message, string? where = null)
    {
        if (_quiet == 0) _diagnostics.Add(new TileDiagnostic(DiagnosticSeverity.Error, code, message, where ?? _where));
    }

    private void Warning(ErrorCode code, string message, string? where = null)
    {
        if (_quiet == 0) _diagnostics.Add(new TileDiagnostic(DiagnosticSeverity.Warning, code, message, where ?? _where));
    }
}
