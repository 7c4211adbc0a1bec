using System.Collections.Immutable;
using Strata.Block.Text;
using Strata.Core;
using Strata.Graph.Verification;
using Strata.Tile;

namespace Strata.Block.Verification;

/// <summary>One problem found by <see cref="BlockVerifier"/>: severity, code, what is wrong, and where
/// (<c>block kernel @k: %a = add %x, %y : f32[4]</c> — the op's first line of text).</summary>
public sealed record BlockDiagnostic(DiagnosticSeverity Severity, ErrorCode Code, string Message, string Location)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>error E2002: block kernel @k: %a = add %x, %y : f32[4]: operands of add have different element types</c>.</summary>
    public override string ToString() => $"{(IsError ? "error" : "warning")} E{(int)Code:D4}: {Location}: {Message}";
}

/// <summary>Checks that a level-2 kernel is well formed and reports every problem it finds:
/// <list type="bullet">
/// <item>Signature: unique parameter names, non-negative dims, element types the scalar levels compute,
/// positive grid extents; every output is stored somewhere (a warning otherwise).</item>
/// <item>SSA: every value is defined once in the whole kernel (by an op, a loop's induction variable or iter arg),
/// before its uses, and is used where it is visible (loop bodies are scopes: their values do not escape, the
/// loop's results do); a use has the type of the definition; values do not shadow parameters.</item>
/// <item>Types: elementwise operands broadcast to the declared result shape; binary operands share an element
/// type; the result element type is the op's (bool for comparisons and predicates); the op is defined for the
/// element type (no <c>exp</c> of an index); select conditions and masks are bool; load/store give one i64
/// (index) block per parameter dim; loaded/stored elements are the parameter's type; dot is
/// [M,K]·[K,N]+[M,N] with the accumulator's type; reduce axes exist and remove that dim; loops have a positive
/// step, scalar integer bounds, an index induction variable, and inits, iter args, yields and results of one
/// type each; constants and <c>other</c> literals are values of their type; program_id axes exist.</item>
/// <item>Memory: stores go to output or scratch parameters only.</item>
/// <item>Bounds (best effort): when the rest is valid, the integer part of the kernel (program ids, constants,
/// aranges, index arithmetic, loop variables — not loaded data) is evaluated for every program instance (or the
/// corner instances of a large grid), and an index that is out of range in a lane whose mask is known to be
/// true (or that has no mask) is an error naming the instance and the index.</item>
/// </list></summary>
public sealed class BlockVerifier
{
    /// <summary>Bounds checking visits every program instance when the grid has at most this many.</summary>
    public const int ExhaustiveBoundsLimit = 4096;

    private readonly BlockKernel _kernel;
    private readonly List<BlockDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, BlockParam> _params = new(StringComparer.Ordinal);
    private readonly HashSet<string> _definedOnce = new(StringComparer.Ordinal);
    private readonly List<Dictionary<string, BlockValue>> _scopes = [];
    private readonly HashSet<string> _stored = new(StringComparer.Ordinal);

    private BlockVerifier(BlockKernel kernel) { _kernel = kernel; }

    /// <summary>All problems in <paramref name="kernel"/>, errors and warnings, in kernel order (bounds last).</summary>
    public static IReadOnlyList<BlockDiagnostic> Diagnose(BlockKernel kernel, bool checkBounds = true)
    {
        var v = new BlockVerifier(kernel);
        v.CheckSignature();
        v._scopes.Add(new Dictionary<string, BlockValue>(StringComparer.Ordinal));
        v.CheckOps(kernel.Body);
        foreach (var p in kernel.Params)
            if (p.Role == ParamRole.Output && !v._stored.Contains(p.Name))
                v.Warn(ErrorCode.InvalidIr, $"output %{p.Name} is never stored to", v.KernelLocation);
        if (checkBounds && !v._diagnostics.Any(d => d.IsError))
            new BoundsChecker(v).Run();
        return v._diagnostics;
    }

    /// <summary>Throws a <see cref="StrataException"/> with <see cref="ErrorCode.VerificationFailed"/> listing every
    /// error if <paramref name="kernel"/> has any (warnings do not fail verification).</summary>
    public static void Verify(BlockKernel kernel, bool checkBounds = true)
    {
        var errors = Diagnose(kernel, checkBounds).Where(d => d.IsError).ToList();
        if (errors.Count == 0) return;
        throw new StrataException(ErrorCode.VerificationFailed,
            $"block kernel @{kernel.Name} is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):\n" +
            string.Join("\n", errors.Select(e => "  " + e)),
            "fix the kernel where each error points; print it with BlockPrinter to see it whole",
            KernelLocationOf(kernel));
    }

    private string KernelLocation => KernelLocationOf(_kernel);

    private static string KernelLocationOf(BlockKernel k) => "block kernel " + Graph.Text.TextSyntax.GraphRef(k.Name);

    private string OpLocation(BlockOp op)
    {
        if (op is YieldMarker y) return KernelLocation + ": yield " + string.Join(", ", y.Loop.Yields);
        string text = BlockPrinter.Print(op).Split('\n')[0].Trim();
        if (text.EndsWith(" {", StringComparison.Ordinal)) text = text[..^2];
        return KernelLocation + ": " + text;
    }

    private void Error(ErrorCode code, string message, string location) =>
        _diagnostics.Add(new BlockDiagnostic(DiagnosticSeverity.Error, code, message, location));

    private void Warn(ErrorCode code, string message, string location) =>
        _diagnostics.Add(new BlockDiagnostic(DiagnosticSeverity.Warning, code, message, location));

    private void CheckSignature()
    {
        foreach (var p in _kernel.Params)
        {
            string where = $"{KernelLocation}: parameter %{p.Name}";
            if (!_params.TryAdd(p.Name, p)) Error(ErrorCode.InvalidIr, $"parameter %{p.Name} is declared more than once", where);
            if (p.Shape.Any(d => d < 0 || d > int.MaxValue)) Error(ErrorCode.InvalidShape, $"dims must be in [0, {int.MaxValue}], not [{string.Join(",", p.Shape)}]", where);
            if (!ScalarSemantics.IsSupported(p.Element)) Error(ErrorCode.UnsupportedDataType, $"{p.Element.ShortName()} is not computed at the block level", where);
        }
        for (int a = 0; a < _kernel.Grid.Length; a++)
            if (_kernel.Grid[a] <= 0) Error(ErrorCode.InvalidShape, $"grid extent {a} is {_kernel.Grid[a]}; extents must be positive", KernelLocation);
    }

    private void CheckOps(ImmutableArray<BlockOp> ops)
    {
        foreach (var op in ops) CheckOp(op);
    }

    /// <summary>Checks a use: visible and of the definition's type. Returns false if not usable for type checks.</summary>
    private bool Use(BlockValue v, BlockOp op)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(v.Name, out var def))
            {
                if (!def.Type.Equals(v.Type))
                {
                    Error(ErrorCode.TypeMismatch, $"{v} is used as {v.Type} but defined as {def.Type}", OpLocation(op));
                    return false;
                }
                return true;
            }
        Error(ErrorCode.UndefinedValue,
            _definedOnce.Contains(v.Name) ? $"{v} is not visible here (values defined in a loop body stay in it; use the loop's results)"
            : _params.ContainsKey(v.Name) ? $"{v} is a parameter (a pointer): read it with load" : $"{v} is not defined before this use",
            OpLocation(op));
        return false;
    }

    private void Define(BlockValue v, BlockOp op)
    {
        if (!_definedOnce.Add(v.Name)) Error(ErrorCode.InvalidIr, $"{v} is defined more than once", OpLocation(op));
        else if (_params.ContainsKey(v.Name)) Error(ErrorCode.InvalidIr, $"{v} has the name of a parameter", OpLocation(op));
        if (!ScalarSemantics.IsSupported(v.Type.Element)) Error(ErrorCode.UnsupportedDataType, $"{v} has element type {v.Type.Element.ShortName()}, not computed at the block level", OpLocation(op));
        if (v.Type.Shape.Any(d => d <= 0)) Error(ErrorCode.InvalidShape, $"{v} has type {v.Type}; block dims must be positive", OpLocation(op));
        _scopes[^1][v.Name] = v;
    }

    private bool UseAll(BlockOp op, IEnumerable<BlockValue> values)
    {
        bool ok = true;
        foreach (var v in values.Distinct()) ok &= Use(v, op);
        return ok;
    }

    private void CheckOp(BlockOp op)
    {
        if (op is ForOp f) { CheckFor(f); return; }
        bool operandsOk = UseAll(op, op.Operands);
        foreach (var r in op.Results) Define(r, op);
        if (!operandsOk) return; // type checks would repeat the use error
        string at = OpLocation(op);
        switch (op)
        {
            case ProgramIdOp p:
                if (p.Axis < 0 || p.Axis >= _kernel.Grid.Length)
                    Error(ErrorCode.InvalidIr, $"program_id axis {p.Axis} does not exist: the grid has {_kernel.Grid.Length} {(_kernel.Grid.Length == 1 ? "axis" : "axes")}", at);
                ExpectIndexScalar(p.Result, at);
                break;
            case ConstantOp c:
                CheckLiteral(c.Value, c.Result.Type.Element, "constant", at);
                break;
            case ArangeOp a:
                if (!a.Start.Type.IsScalar || !IsInteger(a.Start.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"arange start {a.Start} must be a scalar integer (index), not {a.Start.Type}", at);
                if (a.Length <= 0) Error(ErrorCode.InvalidShape, $"arange length must be positive, not {a.Length}", at);
                if (a.Result.Type.Rank != 1 || a.Result.Type.Shape[0] != a.Length || !IsInteger(a.Result.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"arange of length {a.Length} gives index[{a.Length}], not {a.Result.Type}", at);
                break;
            case BroadcastOp b:
                SameElement(b.Source, b.Result, at);
                Broadcastable(b.Source, b.Result.Type.Shape, at);
                break;
            case ReshapeOp r:
                SameElement(r.Source, r.Result, at);
                if (r.Source.Type.Size != r.Result.Type.Size)
                    Error(ErrorCode.ShapeMismatch, $"reshape keeps the number of elements: {r.Source.Type} has {r.Source.Type.Size}, {r.Result.Type} has {r.Result.Type.Size}", at);
                break;
            case UnaryBlockOp u:
                if (!UnaryDefined(u.Op, u.X.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"{u.Op.Name()} is not defined for {ElementName(u.X.Type.Element)}", at);
                ExpectElement(u.Result, ScalarSemantics.ResultType(u.Op, u.X.Type.Element), at);
                Broadcastable(u.X, u.Result.Type.Shape, at);
                break;
            case BinaryBlockOp b:
                if (b.A.Type.Element != b.B.Type.Element)
                    Error(ErrorCode.TypeMismatch, $"operands of {b.Op.Name()} must have one element type, not {b.A.Type} and {b.B.Type} (cast one)", at);
                else
                {
                    if (!BinaryDefined(b.Op, b.A.Type.Element))
                        Error(ErrorCode.TypeMismatch, $"{b.Op.Name()} is not defined for {ElementName(b.A.Type.Element)}", at);
                    ExpectElement(b.Result, ScalarSemantics.ResultType(b.Op, b.A.Type.Element), at);
                }
                Broadcastable(b.A, b.Result.Type.Shape, at);
                Broadcastable(b.B, b.Result.Type.Shape, at);
                break;
            case SelectBlockOp s:
                if (s.Condition.Type.Element != DataType.Bool)
                    Error(ErrorCode.TypeMismatch, $"select condition {s.Condition} must be bool, not {s.Condition.Type}", at);
                SameElement(s.IfTrue, s.Result, at);
                SameElement(s.IfFalse, s.Result, at);
                Broadcastable(s.Condition, s.Result.Type.Shape, at);
                Broadcastable(s.IfTrue, s.Result.Type.Shape, at);
                Broadcastable(s.IfFalse, s.Result.Type.Shape, at);
                break;
            case CastBlockOp c:
                Broadcastable(c.X, c.Result.Type.Shape, at);
                break;
            case LoadOp l:
            {
                if (!_params.TryGetValue(l.Param, out var p)) { Error(ErrorCode.UndefinedValue, $"%{l.Param} is not a parameter", at); break; }
                CheckIndices(p, l.Indices, at);
                if (l.Result.Type.Element != p.Element)
                    Error(ErrorCode.TypeMismatch, $"loading from ptr<{p.Element.ShortName()}> gives {ElementName(p.Element)} elements, not {l.Result.Type}", at);
                foreach (var i in l.Indices) Broadcastable(i, l.Result.Type.Shape, at);
                if (l.Mask is not null)
                {
                    ExpectMask(l.Mask, at);
                    Broadcastable(l.Mask, l.Result.Type.Shape, at);
                }
                if (l.Other is { } o) CheckLiteral(o, l.Result.Type.Element, "other", at);
                break;
            }
            case StoreOp s:
            {
                if (!_params.TryGetValue(s.Param, out var p)) { Error(ErrorCode.UndefinedValue, $"%{s.Param} is not a parameter", at); break; }
                _stored.Add(s.Param);
                if (p.Role == ParamRole.Input)
                    Error(ErrorCode.InvalidIr, $"%{s.Param} is an input; stores go to output or scratch parameters", at);
                CheckIndices(p, s.Indices, at);
                if (s.Value.Type.Element != p.Element)
                    Error(ErrorCode.TypeMismatch, $"storing {s.Value.Type} into ptr<{p.Element.ShortName()}>: element types differ (cast the value)", at);
                if (s.Mask is not null) ExpectMask(s.Mask, at);
                var shapes = s.Indices.Append(s.Value).Concat(s.Mask is null ? [] : [s.Mask]).ToList();
                if (BroadcastShape(shapes) is null)
                    Error(ErrorCode.ShapeMismatch, $"index blocks, value and mask do not broadcast together ({string.Join(", ", shapes.Select(v => v.Type))})", at);
                break;
            }
            case DotOp d:
            {
                var (a, b, c) = (d.A.Type, d.B.Type, d.Accumulator.Type);
                if (a.Rank != 2 || b.Rank != 2 || c.Rank != 2)
                    Error(ErrorCode.ShapeMismatch, $"dot multiplies 2-D blocks: {a} · {b} + {c}", at);
                else if (a.Shape[1] != b.Shape[0] || c.Shape[0] != a.Shape[0] || c.Shape[1] != b.Shape[1])
                    Error(ErrorCode.ShapeMismatch, $"dot needs [M,K]·[K,N]+[M,N], got {a} · {b} + {c}", at);
                if (a.Element != b.Element)
                    Error(ErrorCode.TypeMismatch, $"dot operands must have one element type, not {a} and {b}", at);
                if (a.Element == DataType.Bool || c.Element == DataType.Bool)
                    Error(ErrorCode.TypeMismatch, "dot is not defined for bool", at);
                if (!d.Result.Type.Equals(c))
                    Error(ErrorCode.TypeMismatch, $"dot gives the accumulator's type {c}, not {d.Result.Type}", at);
                break;
            }
            case ReduceBlockOp r:
            {
                var x = r.X.Type;
                if (r.Axis < 0 || r.Axis >= x.Rank)
                {
                    Error(ErrorCode.InvalidIr, $"reduce axis {r.Axis} does not exist in {x}", at);
                    break;
                }
                var expected = x.Shape.RemoveAt(r.Axis);
                if (!r.Result.Type.Shape.SequenceEqual(expected))
                    Error(ErrorCode.ShapeMismatch, $"reducing {x} over axis {r.Axis} gives shape [{string.Join(",", expected)}], not {r.Result.Type}", at);
                bool arg = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
                if (arg ? !IsInteger(r.Result.Type.Element) : r.Result.Type.Element != x.Element)
                    Error(ErrorCode.TypeMismatch, arg ? $"{r.Op.Name()} gives integer positions, not {r.Result.Type}"
                        : $"{r.Op.Name()} keeps the element type {ElementName(x.Element)}, not {r.Result.Type}", at);
                // max/min of bools (any/all) are defined, as at the Tile level (ReduceMax of bool inputs); sum/prod are not.
                if (x.Element == DataType.Bool && r.Op is ReduceOp.Sum or ReduceOp.Prod)
                    Error(ErrorCode.TypeMismatch, $"{r.Op.Name()} is not defined for bool", at);
                break;
            }
        }
    }

    private void CheckFor(ForOp f)
    {
        string at = OpLocation(f);
        bool boundsOk = Use(f.Lower, f) & Use(f.Upper, f);
        bool initsOk = UseAll(f, f.Inits);
        if (boundsOk)
            foreach (var b in new[] { f.Lower, f.Upper })
                if (!b.Type.IsScalar || !IsInteger(b.Type.Element))
                    Error(ErrorCode.TypeMismatch, $"loop bound {b} must be a scalar integer (index), not {b.Type}", at);
        if (f.Step <= 0) Error(ErrorCode.InvalidIr, $"loop step must be positive, not {f.Step}", at);
        int n = f.IterArgs.Length;
        if (f.Inits.Length != n || f.Yields.Length != n || f.LoopResults.Length != n)
            Error(ErrorCode.InvalidIr, $"the loop has {n} iter args, {f.Inits.Length} inits, {f.Yields.Length} yields and {f.LoopResults.Length} results; they must agree", at);

        _scopes.Add(new Dictionary<string, BlockValue>(StringComparer.Ordinal));
        Define(f.InductionVar, f);
        ExpectIndexScalar(f.InductionVar, at);
        foreach (var a in f.IterArgs) Define(a, f);
        CheckOps(f.Body);
        bool yieldsOk = true;
        foreach (var y in f.Yields) yieldsOk &= Use(y, new YieldMarker(f));
        _scopes.RemoveAt(_scopes.Count - 1);
        foreach (var r in f.LoopResults) Define(r, f);

        for (int i = 0; i < n; i++)
        {
            var t = f.IterArgs[i].Type;
            if (i < f.Inits.Length && initsOk && !f.Inits[i].Type.Equals(t))
                Error(ErrorCode.TypeMismatch, $"init {f.Inits[i]} is {f.Inits[i].Type} but iter arg {f.IterArgs[i]} is {t}", at);
            if (i < f.Yields.Length && yieldsOk && !f.Yields[i].Type.Equals(t))
                Error(ErrorCode.TypeMismatch, $"yield {f.Yields[i]} is {f.Yields[i].Type} but iter arg {f.IterArgs[i]} is {t}", at);
            if (i < f.LoopResults.Length && !f.LoopResults[i].Type.Equals(t))
                Error(ErrorCode.TypeMismatch, $"result {f.LoopResults[i]} is {f.LoopResults[i].Type} but iter arg {f.IterArgs[i]} is {t}", at);
        }
    }

    /// <summary>Stands for a loop's <c>yield</c> line in locations.</summary>
    private sealed record YieldMarker(ForOp Loop) : BlockOp
    {
        public override IEnumerable<BlockValue> Results => [];
        public override IEnumerable<BlockValue> Operands => Loop.Yields;
    }

    private void CheckIndices(BlockParam p, ImmutableArray<BlockValue> indices, string at)
    {
        if (indices.Length != p.Rank)
            Error(ErrorCode.InvalidIr, $"%{p.Name} has rank {p.Rank}: give {p.Rank} index blocks, not {indices.Length}", at);
        foreach (var i in indices)
            if (i.Type.Element != DataType.Int64)
                Error(ErrorCode.TypeMismatch, $"index block {i} must be index (i64), not {i.Type}", at);
    }

    private void ExpectMask(BlockValue mask, string at)
    {
        if (mask.Type.Element != DataType.Bool) Error(ErrorCode.TypeMismatch, $"mask {mask} must be bool, not {mask.Type}", at);
    }

    private void ExpectIndexScalar(BlockValue v, string at)
    {
        if (!v.Type.Equals(BlockType.Scalar(DataType.Int64))) Error(ErrorCode.TypeMismatch, $"{v} must be index (a scalar i64), not {v.Type}", at);
    }

    private void SameElement(BlockValue from, BlockValue to, string at)
    {
        if (from.Type.Element != to.Type.Element)
            Error(ErrorCode.TypeMismatch, $"{to} is {to.Type} but {from} is {from.Type}: element types must agree (use cast)", at);
    }

    private void ExpectElement(BlockValue result, DataType element, string at)
    {
        if (result.Type.Element != element)
            Error(ErrorCode.TypeMismatch, $"{result} must have element type {ElementName(element)}, not {result.Type}", at);
    }

    private void Broadcastable(BlockValue v, ImmutableArray<int> shape, string at)
    {
        if (!BroadcastsTo(v.Type.Shape, shape))
            Error(ErrorCode.ShapeMismatch, $"{v} : {v.Type} does not broadcast to the result shape [{string.Join(",", shape)}]", at);
    }

    private void CheckLiteral(Scalar value, DataType type, string what, string at)
    {
        bool ok = ScalarSemantics.IsFloat(type)
            ? value.I == 0 && (double.IsNaN(value.F) || ScalarSemantics.RoundFloat(value.F, type).Equals(value.F))
            : value.F == 0 && !double.IsNaN(value.F) && ScalarSemantics.WrapInt(value.I, type) == value.I;
        if (!ok)
            Error(ErrorCode.TypeMismatch, $"{what} {value} is not a value of type {ElementName(type)} (use Scalar.{(ScalarSemantics.IsFloat(type) ? "Float" : "Int")} with a value of the type)", at);
    }

    internal static bool BroadcastsTo(ImmutableArray<int> from, ImmutableArray<int> to)
    {
        if (from.Length > to.Length) return false;
        for (int i = 0; i < from.Length; i++)
        {
            int f = from[i], t = to[to.Length - from.Length + i];
            if (f != t && f != 1) return false;
        }
        return true;
    }

    internal static ImmutableArray<int>? BroadcastShape(IEnumerable<BlockValue> values)
    {
        var shapes = values.Select(v => v.Type.Shape).ToList();
        int rank = shapes.Max(s => s.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int d = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                if (j < 0 || s[j] == 1 || s[j] == d) continue;
                if (d != 1) return null;
                d = s[j];
            }
            r[i] = d;
        }
        return [.. r];
    }

    private static bool IsInteger(DataType t) => !ScalarSemantics.IsFloat(t) && t != DataType.Bool;

    private static string ElementName(DataType t) => BlockType.Scalar(t).ToString();

    /// <summary>Whether <see cref="ScalarSemantics.Unary"/> defines <paramref name="op"/> for <paramref name="t"/>.</summary>
    public static bool UnaryDefined(UnaryOp op, DataType t) => ScalarSemantics.IsFloat(t)
        ? op is not (UnaryOp.Not or UnaryOp.BitNot)
        : op.IsPredicate() || op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Relu or UnaryOp.Not or UnaryOp.BitNot
            or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round;

    /// <summary>Whether <see cref="ScalarSemantics.Binary"/> defines <paramref name="op"/> for <paramref name="t"/>.</summary>
    public static bool BinaryDefined(BinaryOp op, DataType t) => !ScalarSemantics.IsFloat(t)
        || op is not (BinaryOp.And or BinaryOp.Or or BinaryOp.Xor or BinaryOp.BitAnd or BinaryOp.BitOr or BinaryOp.BitXor or BinaryOp.Shl or BinaryOp.Shr);

    /// <summary>Evaluates the integer/bool part of a (type-correct) kernel per program instance and reports
    /// unmasked out-of-range indices. Values computed from loaded data or floats are unknown (null); a lane
    /// counts as masked off only where the mask is known to be false.</summary>
    private sealed class BoundsChecker(BlockVerifier v)
    {
        private const long IterationBudget = 2_000_000;
        private readonly Dictionary<string, Scalar[]?> _env = new(StringComparer.Ordinal);
        private readonly HashSet<BlockOp> _reported = new(ReferenceEqualityComparer.Instance);
        private long[] _pid = [];
        private long _work;

        public void Run()
        {
            var grid = v._kernel.Grid;
            foreach (var pid in Instances(grid))
            {
                _pid = pid;
                _env.Clear();
                if (!Exec(v._kernel.Body)) return;
            }
        }

        private static IEnumerable<long[]> Instances(ImmutableArray<long> grid)
        {
            long programs = grid.Aggregate(1L, (a, b) => a * b);
            // Every instance of a small grid; otherwise the first two and last two along each axis (the overhangs).
            var axes = grid.Select(g => programs <= ExhaustiveBoundsLimit
                ? Enumerable.Range(0, (int)g).Select(i => (long)i).ToArray()
                : new[] { 0L, 1L, g - 2, g - 1 }.Where(i => i >= 0 && i < g).Distinct().ToArray()).ToArray();
            IEnumerable<long[]> acc = [[]];
            foreach (var values in axes)
                acc = acc.SelectMany(prefix => values.Select(x => prefix.Append(x).ToArray())).ToList();
            return acc;
        }

        /// <summary>False when the budget is spent (stop quietly: best effort).</summary>
        private bool Exec(ImmutableArray<BlockOp> ops)
        {
            foreach (var op in ops)
            {
                if (++_work > IterationBudget) return false;
                if (op is ForOp f)
                {
                    var lo = Get(f.Lower); var hi = Get(f.Upper);
                    var carried = f.Inits.Select(Get).ToArray();
                    if (lo is null || hi is null)
                    {
                        // Unknown trip count: run the body once with an unknown induction variable.
                        _env[f.InductionVar.Name] = null;
                        for (int j = 0; j < f.IterArgs.Length; j++) _env[f.IterArgs[j].Name] = null;
                        if (!Exec(f.Body)) return false;
                        foreach (var r in f.LoopResults) _env[r.Name] = null;
                        continue;
                    }
                    for (long i = lo[0].I; i < hi[0].I; i += f.Step)
                    {
                        _env[f.InductionVar.Name] = [Scalar.Int(i)];
                        for (int j = 0; j < f.IterArgs.Length; j++) _env[f.IterArgs[j].Name] = carried[j];
                        if (!Exec(f.Body)) return false;
                        for (int j = 0; j < f.Yields.Length; j++) carried[j] = Get(f.Yields[j]);
                    }
                    for (int j = 0; j < f.LoopResults.Length; j++) _env[f.LoopResults[j].Name] = carried[j];
                    continue;
                }
                Step(op);
            }
            return true;
        }

        private Scalar[]? Get(BlockValue x) => _env.TryGetValue(x.Name, out var d) ? d : null;

        private Scalar[]? Operand(BlockValue x, ImmutableArray<int> shape)
        {
            var d = Get(x);
            if (d is null) return null;
            if (x.Type.Shape.SequenceEqual(shape)) return d;
            var map = ShapeMath.BroadcastIndexMap(x.Type.Shape.AsSpan(), shape.AsSpan());
            var r = new Scalar[map.Length];
            for (int i = 0; i < map.Length; i++) r[i] = d[map[i]];
            _work += map.Length / 64;
            return r;
        }

        private static bool Tracked(BlockValue r) => !ScalarSemantics.IsFloat(r.Type.Element);

        private void Step(BlockOp op)
        {
            foreach (var r in op.Results) _env[r.Name] = null;
            switch (op)
            {
                case ProgramIdOp p:
                    _env[p.Result.Name] = [Scalar.Int(_pid[p.Axis])];
                    break;
                case ConstantOp c when Tracked(c.Result):
                {
                    var d = new Scalar[c.Result.Type.Size];
                    Array.Fill(d, c.Value);
                    _env[c.Result.Name] = d;
                    break;
                }
                case ArangeOp a when Get(a.Start) is { } s:
                {
                    var d = new Scalar[a.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = ScalarSemantics.Normalize(Scalar.Int(s[0].I + i), a.Result.Type.Element);
                    _env[a.Result.Name] = d;
                    break;
                }
                case BroadcastOp b when Tracked(b.Result):
                    _env[b.Result.Name] = Operand(b.Source, b.Result.Type.Shape);
                    break;
                case ReshapeOp r when Tracked(r.Result):
                    _env[r.Result.Name] = Get(r.Source);
                    break;
                case UnaryBlockOp u when Tracked(u.Result) && !ScalarSemantics.IsFloat(u.X.Type.Element) && Operand(u.X, u.Result.Type.Shape) is { } x:
                {
                    var d = new Scalar[x.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = ScalarSemantics.Unary(u.Op, u.X.Type.Element, x[i]);
                    _env[u.Result.Name] = d;
                    break;
                }
                case BinaryBlockOp b when Tracked(b.Result) && !ScalarSemantics.IsFloat(b.A.Type.Element):
                {
                    var x = Operand(b.A, b.Result.Type.Shape);
                    var y = Operand(b.B, b.Result.Type.Shape);
                    if (x is null || y is null) break;
                    var d = new Scalar[x.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = ScalarSemantics.Binary(b.Op, b.A.Type.Element, x[i], y[i]);
                    _env[b.Result.Name] = d;
                    break;
                }
                case SelectBlockOp s when Tracked(s.Result):
                {
                    var c = Operand(s.Condition, s.Result.Type.Shape);
                    var x = Operand(s.IfTrue, s.Result.Type.Shape);
                    var y = Operand(s.IfFalse, s.Result.Type.Shape);
                    if (c is null || x is null || y is null) break;
                    var d = new Scalar[c.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = c[i].AsBool ? x[i] : y[i];
                    _env[s.Result.Name] = d;
                    break;
                }
                case CastBlockOp c when Tracked(c.Result) && !ScalarSemantics.IsFloat(c.X.Type.Element) && Operand(c.X, c.Result.Type.Shape) is { } x:
                {
                    var d = new Scalar[x.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = ScalarSemantics.Cast(x[i], c.X.Type.Element, c.Result.Type.Element);
                    _env[c.Result.Name] = d;
                    break;
                }
                case LoadOp l:
                    Check(l, l.Param, l.Indices, l.Mask, l.Result.Type.Shape);
                    break;
                case StoreOp s:
                {
                    var shape = BroadcastShape(s.Indices.Append(s.Value).Concat(s.Mask is null ? [] : [s.Mask]));
                    if (shape is { } sh) Check(s, s.Param, s.Indices, s.Mask, sh);
                    break;
                }
            }
        }

        private void Check(BlockOp op, string param, ImmutableArray<BlockValue> indices, BlockValue? mask, ImmutableArray<int> shape)
        {
            if (_reported.Contains(op)) return;
            var p = v._params[param];
            Scalar[]? m = mask is null ? null : Operand(mask, shape);
            if (mask is not null && m is null) return; // unknown mask: cannot prove a lane is live
            int lanes = ShapeMath.Size(shape.AsSpan());
            for (int d = 0; d < indices.Length; d++)
            {
                var ix = Operand(indices[d], shape);
                if (ix is null) continue;
                for (int lane = 0; lane < lanes; lane++)
                {
                    if (m is not null && !m[lane].AsBool) continue;
                    long i = ix[lane].I;
                    if (i >= 0 && i < p.Shape[d]) continue;
                    _reported.Add(op);
                    v.Error(ErrorCode.IndexOutOfRange,
                        $"index {i} of dim {d} is out of range for %{param} [{string.Join(",", p.Shape)}] in program ({string.Join(", ", _pid)}), lane {Lane(shape, lane)}{(mask is null ? " (no mask)" : " where the mask is true")}",
                        v.OpLocation(op));
                    return;
                }
            }
        }

        private static string Lane(ImmutableArray<int> shape, int lane)
        {
            var idx = new int[shape.Length];
            for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = lane % shape[d]; lane /= shape[d]; }
            return "[" + string.Join(",", idx) + "]";
        }
    }
}
