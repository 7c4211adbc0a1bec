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
    // Loads made here (by result name): what a select with a constant branch needs to remake one with that other.
    private readonly Dictionary<string, (string Buffer, DataType Element, BlockValue[] Indices, BlockValue? Mask, List<BlockValue> Masks)> _loads = new(StringComparer.Ordinal);

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
        _loads[v.Name] = (buffer, elementType, idx, mask, masks);
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
        // select(c, x[…], k) with a constant k: the load (masked by c among others) reads k where masked, so the select
        // is k wherever c is false and the Machine level folds it into the load (a max pool's -inf padding as the
        // load's other, one lane-range load; no per-lane blend). Where c holds but another mask (an axis overhang)
        // does not, the position lies outside the domain: its value is never stored.
        if (_b.ConstantValue(f) is { } k && !IsPositiveZero(k, type) && _loads.TryGetValue(t.Name, out var l) && l.Masks.Contains(condition))
        {
            var filled = _b.Load(l.Buffer, l.Element, l.Indices, l.Mask, l.Buffer + "v", k);
            _loads[filled.Name] = l;
            t = Track(filled, Deps(t));
        }
        return Track(_b.Select(condition, t, f), Deps(condition).Union(Deps(t)).Union(Deps(f)));
    }

    public BlockValue Cast(BlockValue x, DataType from, DataType to) => Track(_b.Cast(x, to), Deps(x));

    /// <summary>+0 (the other a load has by default).</summary>
    private static bool IsPositiveZero(Scalar s, DataType t)
    {
        var n = ScalarSemantics.Normalize(s, t);
        return ScalarSemantics.IsFloat(t) ? BitConverter.DoubleToInt64Bits(n.F) == 0 : n.I == 0;
    }

    private ImmutableSortedSet<string> Deps(BlockValue v) => _deps.GetValueOrDefault(v.Name, None);

    private BlockValue Track(BlockValue v, ImmutableSortedSet<string> deps)
    {
        if (!deps.IsEmpty) _deps[v.Name] = deps;
        return v;
    }
}
