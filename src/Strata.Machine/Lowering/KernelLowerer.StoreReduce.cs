using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;

namespace Strata.Machine.Lowering;

// store-then-reduce: `store %p[I], v` followed by a horizontal `reduce (load %p[I])` is one loop: each vector of v is
// computed once, stored and accumulated, instead of a store nest and a nest that reads it back. The same for a
// materialised v that a horizontal `reduce v` follows (softmax's exp, kept for the output and summed for the
// denominator): its buffer is written by the reduce's loop instead of a nest of its own.
internal sealed partial class KernelLowerer
{
    private Dictionary<BlockOp, StoreOp>? _storeOfReduce;
    private HashSet<BlockOp>? _fusedStores;
    private Dictionary<BlockOp, BlockValue>? _materialisedOfReduce;
    private HashSet<string>? _fusedMaterialised;

    /// <summary>The store a reduce emits inside its own loop (null: none), found once over every op list.</summary>
    private StoreOp? FusedStore(ReduceBlockOp r)
    {
        Plan();
        return _storeOfReduce!.TryGetValue(r, out var s) ? s : null;
    }

    /// <summary>Whether this store is emitted by a later reduce instead of its own nest.</summary>
    private bool IsFusedStore(StoreOp s)
    {
        Plan();
        return _fusedStores!.Contains(s);
    }

    /// <summary>Whether this materialised value's buffer is written by a later reduce instead of its own nest.</summary>
    private bool IsFusedMaterialised(BlockValue v)
    {
        Plan();
        return _fusedMaterialised!.Contains(v.Name);
    }

    private void Plan()
    {
        if (_storeOfReduce is not null) return;
        _storeOfReduce = new(ReferenceEqualityComparer.Instance);
        _fusedStores = new(ReferenceEqualityComparer.Instance);
        _materialisedOfReduce = new(ReferenceEqualityComparer.Instance);
        _fusedMaterialised = new(StringComparer.Ordinal);
        Scan(_kernel.Body);
    }

    private void Scan(ImmutableArray<BlockOp> ops)
    {
        for (int i = 0; i < ops.Length; i++)
        {
            if (ops[i] is ForOp f) Scan(f.Body);
            if (ops[i] is StoreOp s && MatchReduce(ops, i, s) is { } r)
            {
                _storeOfReduce![r] = s;
                _fusedStores!.Add(s);
            }
            foreach (var v in ops[i].Results)
                if (MatchMaterialisedReduce(ops, i, v) is { } mr)
                {
                    _materialisedOfReduce![mr] = v;
                    _fusedMaterialised!.Add(v.Name);
                }
        }
    }

    /// <summary>The horizontal reduce after the op defining <paramref name="v"/> that reduces v itself, when v is
    /// materialised by a nest of its own (no dot reads it: a dot operand is packed in another layout) and nothing
    /// between them emits code or reads v; null when there is none.</summary>
    private ReduceBlockOp? MatchMaterialisedReduce(ImmutableArray<BlockOp> ops, int i, BlockValue v)
    {
        if (!_options.Vectorize || _plan.Mode(v) != ValueMode.Materialised || v.Type.IsScalar
            || ops[i] is DotOp or ReduceBlockOp or ForOp or StoreOp || ReadByDot(_kernel.Body, v)) return null;
        for (int k = i + 1; k < ops.Length; k++)
        {
            if (ops[k] is ReduceBlockOp r && r.X.Name == v.Name)
                return !r.Result.Type.IsScalar && HorizontalCandidate(r) ? r : null;
            if (ops[k] is StoreOp or ForOp or DotOp or ReduceBlockOp || ops[k].Operands.Any(o => o.Name == v.Name)
                || ops[k].Results.Any(o => _plan.Mode(o) == ValueMode.Materialised)) return null;
        }
        return null;
    }

    private static bool ReadByDot(ImmutableArray<BlockOp> ops, BlockValue v) =>
        ops.Any(op => op is DotOp d && d.Operands.Any(o => o.Name == v.Name) || op is ForOp f && ReadByDot(f.Body, v));

    /// <summary>The reduce after store <paramref name="s"/> that reads back exactly what it stored, with nothing
    /// between them that emits code or reads the parameter; null when there is none.</summary>
    private ReduceBlockOp? MatchReduce(ImmutableArray<BlockOp> ops, int i, StoreOp s)
    {
        if (!_options.Vectorize || s.Mask is not null || _plan.Mode(s.Value) != ValueMode.Inline) return null;
        for (int k = i + 1; k < ops.Length; k++)
        {
            switch (ops[k])
            {
                case ReduceBlockOp r:
                    if (r.Result.Type.IsScalar || !HorizontalCandidate(r)) return null;
                    var load = ops.Skip(i + 1).Take(k - i - 1).OfType<LoadOp>().LastOrDefault(l => l.Result.Name == r.X.Name);
                    if (load is null || load.Mask is not null || load.Param != s.Param || _plan.Mode(load.Result) != ValueMode.Inline) return null;
                    if (!load.Indices.Select(v => v.Name).SequenceEqual(s.Indices.Select(v => v.Name))) return null;
                    var shapes = s.Indices.Select(v => v.Type.Shape.ToArray()).Append(s.Value.Type.Shape.ToArray());
                    return ShapeMath.Broadcast([.. shapes]).SequenceEqual(r.X.Type.Shape) ? r : null;
                case StoreOp or ForOp or DotOp:
                    return null;
                case LoadOp l when l.Param == s.Param && _plan.Mode(l.Result) != ValueMode.Inline:
                    return null;
                default:
                    if (ops[k].Results.Any(v => _plan.Mode(v) == ValueMode.Materialised)) return null;
                    break;
            }
        }
        return null;
    }

    /// <summary>X of reduce <paramref name="r"/> at <paramref name="idx"/> (X's full index): with a fused store, the
    /// stored value, computed and written here.</summary>
    private LaneValue ReduceInput(ReduceBlockOp r, LaneValue[] idx)
    {
        Plan();
        if (_materialisedOfReduce!.TryGetValue(r, out var m))
        {
            var element = ElementOf(_plan.Def(m)!, m, idx);
            Write(_buffers[m.Name].Name, m.Type.Element, Address(idx, RowMajor(m.Type.Shape)), element, null);
            return element;
        }
        if (FusedStore(r) is not { } s) return Element(r.X, idx);
        var shape = r.X.Type.Shape;
        var strides = _paramStrides[s.Param];
        var address = LaneValue.Uniform(_e.I64(0));
        for (int d = 0; d < s.Indices.Length; d++)
        {
            var ix = ToI64(Element(s.Indices[d], BroadcastIndex(s.Indices[d].Type.Shape, shape, idx)), s.Indices[d].Type.Element);
            address = AddAffine(address, MulAffine(ix, strides[d]));
        }
        var value = Element(s.Value, BroadcastIndex(s.Value.Type.Shape, shape, idx));
        Write(s.Param, s.Value.Type.Element, address, value, null);
        return value;
    }
}
