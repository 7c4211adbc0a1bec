using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;

namespace Strata.Machine.Lowering;

// store-then-reduce: `store %p[I], v` followed by a horizontal `reduce (load %p[I])` (softmax's exp, summed) is one loop:
// each vector of v is computed once, stored and accumulated, instead of a store nest and a nest that reads it back.
internal sealed partial class KernelLowerer
{
    private Dictionary<BlockOp, StoreOp>? _storeOfReduce;
    private HashSet<BlockOp>? _fusedStores;

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

    private void Plan()
    {
        if (_storeOfReduce is not null) return;
        _storeOfReduce = new(ReferenceEqualityComparer.Instance);
        _fusedStores = new(ReferenceEqualityComparer.Instance);
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
        }
    }

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
