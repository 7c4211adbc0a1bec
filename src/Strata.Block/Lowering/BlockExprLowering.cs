using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>Lowers a Tile expression to block ops (the Block-lowering ops handler): index variables become index
/// blocks of the current layout, loads become masked block loads, and every other op maps 1:1. A load is masked
/// where an axis it depends on overhangs its extent, and inside a <see cref="Select"/> branch also by the branch's
/// condition (or its negation), so out-of-range positions that the Tile expression guards are never read.</summary>
internal sealed class BlockExprLowering : IOpsHandler<BlockValue>
{
    private static readonly ImmutableSortedSet<string> None = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    private readonly KernelLowering _kernel;
    private readonly BlockBuilder _b;
    private readonly BlockLayout _layout;
    private readonly List<(BlockValue Condition, bool Negated)> _guards;
    // For each value: the axes whose overhang it depends on (those that need a mask).
    private readonly Dictionary<string, ImmutableSortedSet<string>> _deps = new(StringComparer.Ordinal);

    public BlockExprLowering(KernelLowering kernel, BlockBuilder builder, BlockLayout layout, IEnumerable<BlockValue> guards)
    {
        _kernel = kernel;
        _b = builder;
        _layout = layout;
        _guards = [.. guards.Select(g => (g, false))];
    }

    public BlockValue IndexVar(string name)
    {
        var v = _kernel.IndexBlock(name, _layout);
        if (_kernel.Mask(name, _layout) is not null) _deps[v.Name] = None.Add(name);
        return v;
    }

    public BlockValue Constant(Scalar value, DataType type) => _b.Const(value, type);

    public BlockValue Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
    {
        var idx = indices.Select(i => i.Accept(this)).ToArray();
        var deps = idx.Aggregate(None, (s, i) => s.Union(Deps(i)));
        foreach (var (g, _) in _guards) deps = deps.Union(Deps(g));
        // Masks of the axes in layout order, then the branch conditions, each once.
        var masks = new List<BlockValue>();
        foreach (var a in deps.OrderBy(a => _layout.Position(a) is var p && p < 0 ? int.MaxValue : p).ThenBy(a => a, StringComparer.Ordinal))
            if (_kernel.Mask(a, _layout) is { } m && !masks.Contains(m)) masks.Add(m);
        foreach (var (g, negated) in _guards)
            if ((negated ? _b.Unary(UnaryOp.Not, g, "not") : g) is var m && !masks.Contains(m)) masks.Add(m);
        BlockValue? mask = null;
        foreach (var m in masks) mask = _b.And(mask, m);
        var v = _b.Load(buffer, elementType, idx, mask, buffer + "v");
        return Track(v, deps);
    }

    public BlockValue Unary(UnaryOp op, BlockValue x, DataType operandType) => Track(_b.Unary(op, x), Deps(x));

    public BlockValue Binary(BinaryOp op, BlockValue a, BlockValue b, DataType operandType) =>
        Track(_b.Binary(op, a, b), Deps(a).Union(Deps(b)));

    public BlockValue Select(BlockValue condition, Func<BlockValue> ifTrue, Func<BlockValue> ifFalse, DataType type)
    {
        _guards.Add((condition, false));
        var t = ifTrue();
        _guards.RemoveAt(_guards.Count - 1);
        _guards.Add((condition, true));
        var f = ifFalse();
        _guards.RemoveAt(_guards.Count - 1);
        return Track(_b.Select(condition, t, f), Deps(condition).Union(Deps(t)).Union(Deps(f)));
    }

    public BlockValue Cast(BlockValue x, DataType from, DataType to) => Track(_b.Cast(x, to), Deps(x));

    private ImmutableSortedSet<string> Deps(BlockValue v) => _deps.GetValueOrDefault(v.Name, None);

    private BlockValue Track(BlockValue v, ImmutableSortedSet<string> deps)
    {
        if (!deps.IsEmpty) _deps[v.Name] = deps;
        return v;
    }
}
