using System.Collections.Immutable;
using System.Globalization;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>Emits the ops of one Block kernel: fresh readable names (<c>%rm</c>, <c>%rm1</c>), nested op lists for loop
/// bodies, scalar constants hoisted to the top of the kernel, and scoped common-subexpression elimination of pure ops
/// (an op is reused only where its defining scope is still open, so reuse never breaks dominance).</summary>
public sealed class BlockBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<BlockOp> _constants = [];
    private readonly Dictionary<string, BlockValue> _constantCache = new(StringComparer.Ordinal);
    private readonly Stack<List<BlockOp>> _ops = new();
    private readonly List<Dictionary<string, BlockValue>> _scopes = [];
    private readonly HashSet<string> _readOnly;
    private int _stores;

    /// <param name="reserved">Names already taken (the kernel's parameters).</param>
    /// <param name="readOnly">Parameters no op writes (inputs): their loads are reused across stores.</param>
    public BlockBuilder(IEnumerable<string> reserved, IEnumerable<string>? readOnly = null)
    {
        foreach (var n in reserved) _names.Add(n);
        _readOnly = new HashSet<string>(readOnly ?? [], StringComparer.Ordinal);
        _ops.Push([]);
        _scopes.Add(new(StringComparer.Ordinal));
    }

    /// <summary>The kernel body: hoisted constants, then the top-level ops.</summary>
    public ImmutableArray<BlockOp> Build()
    {
        if (_ops.Count != 1) throw new InvalidOperationException("unbalanced loop bodies");
        return [.. _constants, .. _ops.Peek()];
    }

    /// <summary>A new value named after <paramref name="hint"/> (suffixed 1, 2, … when taken).</summary>
    public BlockValue Fresh(string hint, BlockType type)
    {
        if (hint.Length == 0) hint = "v";
        string name = hint;
        string sep = char.IsAsciiDigit(hint[^1]) ? "_" : "";
        for (int i = 1; !_names.Add(name); i++) name = hint + sep + i.ToString(CultureInfo.InvariantCulture);
        return new BlockValue(name, type);
    }

    public void Emit(BlockOp op) => _ops.Peek().Add(op);

    /// <summary>Opens a scope for common-subexpression elimination (a computation, a loop body).</summary>
    public void PushScope() => _scopes.Add(new(StringComparer.Ordinal));
    public void PopScope() => _scopes.RemoveAt(_scopes.Count - 1);

    /// <summary>Returns the value recorded for <paramref name="key"/> in an open scope, or emits it with
    /// <paramref name="make"/> and records it in the innermost scope.</summary>
    public BlockValue Pure(string key, Func<BlockValue> make)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(key, out var v)) return v;
        var made = make();
        _scopes[^1][key] = made;
        return made;
    }

    // ------------------------------------------------------------ values

    /// <summary>A scalar constant, defined once at the top of the kernel.</summary>
    public BlockValue Const(Scalar value, DataType type)
    {
        value = ScalarSemantics.Normalize(value, type);
        string key = $"{type}:{value.I}:{value.F.ToString("R", CultureInfo.InvariantCulture)}";
        if (_constantCache.TryGetValue(key, out var v)) return v;
        v = Fresh(ConstantHint(value, type), BlockType.Scalar(type));
        _constants.Add(new ConstantOp(v, value));
        _constantCache[key] = v;
        return v;
    }

    public BlockValue Index(long v) => Const(Scalar.Int(v), DataType.Int64);

    public BlockValue True => Const(Scalar.Bool(true), DataType.Bool);

    /// <summary>A block filled with <paramref name="value"/> (a scalar constant for an empty shape).</summary>
    public BlockValue Splat(Scalar value, DataType type, ImmutableArray<int> shape, string hint)
    {
        if (shape.IsEmpty) return Const(value, type);
        var c = Const(value, type);
        return Broadcast(c, shape, hint);
    }

    public BlockValue ProgramId(int axis, string hint) =>
        Pure($"pid {axis}", () => Def(v => new ProgramIdOp(v, axis), hint, BlockType.Scalar(DataType.Int64)));

    public BlockValue Arange(BlockValue start, int length, string hint) =>
        Pure($"arange {start.Name} {length}", () => Def(v => new ArangeOp(v, start, length), hint, BlockType.Of(DataType.Int64, length)));

    /// <summary>Broadcasts to <paramref name="shape"/>; the value itself when it already has that shape.</summary>
    public BlockValue Broadcast(BlockValue x, ImmutableArray<int> shape, string hint)
    {
        if (x.Type.Shape.SequenceEqual(shape)) return x;
        return Pure($"broadcast {x.Name} {ShapeKey(shape)}", () => Def(v => new BroadcastOp(v, x), hint, new BlockType(x.Type.Element, shape)));
    }

    /// <summary>Reshapes to <paramref name="shape"/> (same element count); the value itself when it already has that shape.</summary>
    public BlockValue Reshape(BlockValue x, ImmutableArray<int> shape, string hint)
    {
        if (x.Type.Shape.SequenceEqual(shape)) return x;
        if (x.Type.Size != shape.Aggregate(1, (a, b) => a * b))
            throw new InvalidOperationException($"reshape of {x.Type} to [{string.Join(",", shape)}] changes the element count");
        return Pure($"reshape {x.Name} {ShapeKey(shape)}", () => Def(v => new ReshapeOp(v, x), hint, new BlockType(x.Type.Element, shape)));
    }

    public BlockValue Unary(UnaryOp op, BlockValue x, string? hint = null) =>
        Pure($"{op.Name()} {x.Name}", () => Def(v => new UnaryBlockOp(v, op, x), hint ?? op.Name(),
            new BlockType(ScalarSemantics.ResultType(op, x.Type.Element), x.Type.Shape)));

    public BlockValue Binary(BinaryOp op, BlockValue a, BlockValue b, string? hint = null)
    {
        if (a.Type.Element != b.Type.Element)
            throw new InvalidOperationException($"{op.Name()} of {a.Type} and {b.Type}: operand element types differ");
        return Pure($"{op.Name()} {a.Name} {b.Name}", () => Def(v => new BinaryBlockOp(v, op, a, b), hint ?? op.Name(),
            new BlockType(ScalarSemantics.ResultType(op, a.Type.Element), BroadcastShapes(a.Type.Shape, b.Type.Shape))));
    }

    /// <summary>Logical and of optional masks (null = all true).</summary>
    public BlockValue? And(BlockValue? a, BlockValue? b, string hint = "mask") =>
        a is null ? b : b is null || a == b ? a : Binary(BinaryOp.And, a, b, hint);

    public BlockValue Select(BlockValue condition, BlockValue ifTrue, BlockValue ifFalse, string hint = "sel") =>
        Pure($"select {condition.Name} {ifTrue.Name} {ifFalse.Name}", () => Def(v => new SelectBlockOp(v, condition, ifTrue, ifFalse), hint,
            new BlockType(ifTrue.Type.Element, BroadcastShapes(condition.Type.Shape, BroadcastShapes(ifTrue.Type.Shape, ifFalse.Type.Shape)))));

    public BlockValue Cast(BlockValue x, DataType to, string hint = "cvt") =>
        x.Type.Element == to ? x
        : Pure($"cast {x.Name} {to}", () => Def(v => new CastBlockOp(v, x), hint, new BlockType(to, x.Type.Shape)));

    /// <summary>A masked load; the result's shape is the broadcast of the index blocks' and the mask's shapes.
    /// A load is reused only where no store was emitted since, unless its parameter is read-only.</summary>
    public BlockValue Load(string param, DataType element, IReadOnlyList<BlockValue> indices, BlockValue? mask, string hint, Scalar? other = null)
    {
        var shape = indices.Aggregate(ImmutableArray<int>.Empty, (s, i) => BroadcastShapes(s, i.Type.Shape));
        if (mask is not null) shape = BroadcastShapes(shape, mask.Type.Shape);
        string fill = other is { } o ? $" other {o.I}:{o.F.ToString("R", CultureInfo.InvariantCulture)}" : "";
        return Pure($"load@{(_readOnly.Contains(param) ? 0 : _stores)} {param} {string.Join(" ", indices.Select(i => i.Name))} {mask?.Name}{fill}",
            () => Def(v => new LoadOp(v, param, [.. indices], mask, other), hint, new BlockType(element, shape)));
    }

    /// <summary>The value of <paramref name="v"/> when it is a scalar constant made by <see cref="Const"/>; null otherwise.</summary>
    public Scalar? ConstantValue(BlockValue v) => _constants.OfType<ConstantOp>().FirstOrDefault(c => c.Result == v)?.Value;

    public void Store(string param, IReadOnlyList<BlockValue> indices, BlockValue value, BlockValue? mask)
    {
        Emit(new StoreOp(param, [.. indices], value, mask));
        _stores++; // loads emitted before a store are never reused after it
    }

    /// <summary><c>reduce op x, axis</c>: removes <paramref name="axis"/>.</summary>
    public BlockValue Reduce(ReduceOp op, BlockValue x, int axis, string? hint = null)
    {
        bool arg = op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        var shape = x.Type.Shape.RemoveAt(axis);
        return Pure($"reduce {op.Name()} {x.Name} {axis}", () => Def(v => new ReduceBlockOp(v, op, x, axis), hint ?? op.Name(),
            new BlockType(arg ? DataType.Int64 : x.Type.Element, shape)));
    }

    public BlockValue Dot(BlockValue a, BlockValue b, BlockValue acc, string hint = "dot") =>
        Def(v => new DotOp(v, a, b, acc), hint, acc.Type);

    /// <summary>Emits <c>for %iv = lower to upper step S iter(...)</c>: <paramref name="body"/> receives the induction
    /// variable and the iter args and returns the yielded values; the loop's results are returned.</summary>
    public ImmutableArray<BlockValue> For(string ivHint, BlockValue lower, BlockValue upper, long step,
        IReadOnlyList<(string Hint, BlockValue Init)> iters, Func<BlockValue, IReadOnlyList<BlockValue>, IReadOnlyList<BlockValue>> body,
        IReadOnlyList<string>? resultHints = null)
    {
        var iv = Fresh(ivHint, BlockType.Scalar(DataType.Int64));
        var args = iters.Select(i => Fresh(i.Hint, i.Init.Type)).ToArray();
        _ops.Push([]);
        PushScope();
        IReadOnlyList<BlockValue> yields;
        try { yields = body(iv, args); }
        finally { PopScope(); }
        var ops = _ops.Pop();
        if (yields.Count != args.Length) throw new InvalidOperationException("a loop body must yield one value per iter arg");
        for (int i = 0; i < args.Length; i++)
            if (!yields[i].Type.Equals(args[i].Type))
                throw new InvalidOperationException($"loop yields {yields[i].Type} for an iter arg of type {args[i].Type}");
        var results = iters.Select((it, i) => Fresh(resultHints is { } h && i < h.Count ? h[i] : it.Hint, it.Init.Type)).ToImmutableArray();
        Emit(new ForOp(results, iv, lower, upper, step, [.. args], [.. iters.Select(i => i.Init)], [.. ops], [.. yields]));
        return results;
    }

    // ------------------------------------------------------------ helpers

    /// <summary>Numpy broadcasting of two static shapes.</summary>
    public static ImmutableArray<int> BroadcastShapes(ImmutableArray<int> a, ImmutableArray<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new InvalidOperationException($"shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast");
            r[i] = da == 1 ? db : da;
        }
        return [.. r];
    }

    private BlockValue Def(Func<BlockValue, BlockOp> make, string hint, BlockType type)
    {
        var v = Fresh(hint, type);
        Emit(make(v));
        return v;
    }

    private static string ShapeKey(ImmutableArray<int> shape) => "[" + string.Join(",", shape) + "]";

    private static string ConstantHint(Scalar v, DataType t)
    {
        if (t == DataType.Bool) return v.AsBool ? "true" : "false";
        if (!ScalarSemantics.IsFloat(t)) return v.I >= 0 ? "c" + v.I.ToString(CultureInfo.InvariantCulture) : "cm" + ((ulong)(-(v.I + 1)) + 1UL).ToString(CultureInfo.InvariantCulture);
        if (double.IsNegativeInfinity(v.F)) return "ninf";
        if (double.IsPositiveInfinity(v.F)) return "inf";
        if (double.IsNaN(v.F)) return "nan";
        return v.F == Math.Floor(v.F) && Math.Abs(v.F) < 1e6 ? (v.F >= 0 ? "cf" : "cfm") + Math.Abs(v.F).ToString(CultureInfo.InvariantCulture) : "cst";
    }
}
