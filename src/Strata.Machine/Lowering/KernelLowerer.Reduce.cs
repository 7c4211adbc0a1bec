using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// reduce: a loop nest over the result, an accumulator register per element, an inner loop over the reduced axis.
internal sealed partial class KernelLowerer
{
    private void LowerReduce(ReduceBlockOp r)
    {
        var v = r.Result;
        var x = r.X;
        var t = x.Type.Element;
        int len = x.Type.Shape[r.Axis];
        bool arg = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        if (v.Type.IsScalar)
        {
            // A scalar result (a 1-D input): one accumulator register.
            var saved = _lanes;
            _lanes = 1;
            _regs[v.Name] = arg ? ArgReduce(r, [], len) : HorizontalCandidate(r) ? TryHorizontal(r, [], len) ?? Accumulate(r, [], len) : Accumulate(r, [], len);
            _lanes = saved;
            return;
        }
        var buffer = _e.NewBuffer(v.Name, v.Type.Element, v.Type.Size);
        var strides = RowMajor(v.Type.Shape);
        if (HorizontalCandidate(r))
        {
            // The reduced axis is the last one: each result element is a vector accumulation along it.
            Nest(v.Type.Shape, DataType.Bool, idx =>
            {
                var value = TryHorizontal(r, idx, len) ?? Accumulate(r, idx, len);
                Write(buffer.Name, v.Type.Element, Address(idx, strides), LaneValue.Uniform(value), null);
            }, "r");
            _buffers[v.Name] = buffer;
            return;
        }
        // Vectorise across the result's last dim (a "vertical" reduction: each lane keeps the Block interpreter's order).
        Nest(v.Type.Shape, arg ? v.Type.Element : t, idx =>
        {
            if (arg && _lanes > 1) CheckLanes(t);
            var value = arg ? ArgReduce(r, idx, len) : Accumulate(r, idx, len);
            Write(buffer.Name, v.Type.Element, Address(idx, strides), _lanes > 1 ? LaneValue.Vector(value) : LaneValue.Uniform(value), null);
        }, "r");
        _buffers[v.Name] = buffer;
    }

    /// <summary>sum/max/min over the last axis of a type with vector lanes: worth a vector accumulator (a float sum only when
    /// <see cref="MachineLoweringOptions.ReassociateSums"/> allows adding in another order; integer sums wrap, so any order is exact).</summary>
    private bool HorizontalCandidate(ReduceBlockOp r) =>
        _options.Vectorize && r.Axis == r.X.Type.Rank - 1 && _target.Lanes(r.X.Type.Element) > 1
        && r.X.Type.Shape[r.Axis] >= _target.Lanes(r.X.Type.Element)
        && (r.Op is ReduceOp.Max or ReduceOp.Min || r.Op == ReduceOp.Sum && (_options.ReassociateSums || !ScalarSemantics.IsFloat(r.X.Type.Element)));

    /// <summary>Vector accumulators of a reduction along the last axis: independent chains, so the loop runs at the
    /// throughput of its adds rather than their latency (a 768-long f32 row on avx512: 48 dependent adds become 12).</summary>
    private const int HorizontalChains = 4;

    /// <summary>acc_u (vectors) = init; for groups of <see cref="HorizontalChains"/> full vectors at j:
    /// acc_u = step(acc_u, x[.., j+u·lanes:…]); the full vectors left over into acc_0; the accumulators combined as a
    /// tree (0 with 2, 1 with 3, then 0 with 1); s = reduce_lanes acc_0; then the scalar rest. Max/min give exactly
    /// the sequential result; sum adds in another order (lane-wise partial sums). Null (nothing emitted) when X has no
    /// lane-wise form along the axis.</summary>
    private Reg? TryHorizontal(ReduceBlockOp r, LaneValue[] idx, int len)
    {
        var t = r.X.Type.Element;
        int lanes = _target.Lanes(t);
        long full = len / lanes * lanes;
        int chains = (int)Math.Min(HorizontalChains, full / lanes);
        long grouped = full / (lanes * chains) * (lanes * chains);
        var index = (LaneValue[])idx.Clone();
        var op = r.Op switch { ReduceOp.Sum => BinaryOp.Add, ReduceOp.Max => BinaryOp.Max, _ => BinaryOp.Min };
        var saved = (_lanes, _tailCount);
        ImmutableArray<MStmt> code;
        Reg vacc;
        try
        {
            _lanes = lanes;
            _tailCount = null;
            var accs = Enumerable.Range(0, chains).Select(_ => _e.NewReg(r.Result.Name + "_vacc", TypeOf(t, lanes))).ToArray();
            vacc = accs[0];
            code = _e.Collect(() =>
            {
                foreach (var a in accs) _e.Emit(new MoveStmt(a, _e.Const(ScalarSemantics.ReduceInit(r.Op, t), TypeOf(t, lanes))));
                _e.Loop("j", _e.I64(0), _e.I64(grouped), lanes * chains, j =>
                {
                    for (int u = 0; u < chains; u++)
                    {
                        var at = u == 0 ? j : _e.Add(j, _e.I64(u * lanes));
                        var x = Element(r.X, WithAxis(index, r.Axis, LaneValue.Affine(at, 1)));
                        _e.Emit(new BinaryStmt(accs[u], op, accs[u], VectorOf(x, t)));
                    }
                });
                _e.Loop("j", _e.I64(grouped), _e.I64(full), lanes, j =>
                {
                    var x = Element(r.X, WithAxis(index, r.Axis, LaneValue.Affine(j, 1)));
                    _e.Emit(new BinaryStmt(accs[0], op, accs[0], VectorOf(x, t)));
                });
                for (int n = chains; n > 1; n = (n + 1) / 2)
                    for (int u = 0; u < n / 2; u++)
                        _e.Emit(new BinaryStmt(accs[u], op, accs[u], accs[u + (n + 1) / 2]));
            });
        }
        catch (NotVectorisableException)
        {
            return null;
        }
        finally
        {
            (_lanes, _tailCount) = saved;
        }
        foreach (var s in code) _e.Emit(s);
        var acc = _e.NewReg(r.Result.Name + "_acc", MType.Scalar(t));
        _e.Emit(new ReduceLanesStmt(acc, r.Op, vacc));
        _e.Loop("j", _e.I64(full), _e.I64(len), 1, j =>
        {
            var x = Element(r.X, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
            _e.Emit(new BinaryStmt(acc, op, acc, x.Reg));
        });
        return acc;
    }

    /// <summary>The index into X of result element <paramref name="idx"/> at position <paramref name="j"/> of the axis.</summary>
    private static LaneValue[] WithAxis(LaneValue[] idx, int axis, LaneValue j)
    {
        var full = new LaneValue[idx.Length + 1];
        for (int d = 0, s = 0; d < full.Length; d++) full[d] = d == axis ? j : idx[s++];
        return full;
    }

    /// <summary>sum/prod/max/min: acc = init; for j: acc = step(acc, x[.., j, ..]) — the order of the Block interpreter.</summary>
    private Reg Accumulate(ReduceBlockOp r, LaneValue[] idx, int len)
    {
        var t = r.X.Type.Element;
        var type = TypeOf(t, _lanes);
        var acc = _e.NewReg(r.Result.Name + "_acc", type);
        _e.Emit(new MoveStmt(acc, _e.Const(ScalarSemantics.ReduceInit(r.Op, t), type)));
        var op = r.Op switch
        {
            ReduceOp.Sum => BinaryOp.Add,
            ReduceOp.Prod => BinaryOp.Mul,
            ReduceOp.Max => BinaryOp.Max,
            _ => BinaryOp.Min,
        };
        // Copy idx: the nest reuses its array while the loop body closure runs inside this call only.
        var index = (LaneValue[])idx.Clone();
        _e.Loop("j", _e.I64(0), _e.I64(len), 1, j =>
        {
            var x = Element(r.X, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
            var xv = _lanes > 1 ? VectorOf(x, t) : x.Reg;
            _e.Emit(new BinaryStmt(acc, op, acc, xv));
        });
        return acc;
    }

    /// <summary>argmax/argmin: the best value and its position, replaced when
    /// <see cref="ScalarSemantics.ArgReduceBetter"/> says so (NaN wins; ties keep the first, or the last).</summary>
    private Reg ArgReduce(ReduceBlockOp r, LaneValue[] idx, int len)
    {
        var t = r.X.Type.Element;
        var index = (LaneValue[])idx.Clone();
        var vt = TypeOf(t, _lanes);
        var it = TypeOf(DataType.Int64, _lanes);
        var best = _e.NewReg(r.Result.Name + "_best", vt);
        var at = _e.NewReg(r.Result.Name + "_at", it);
        var first = Element(r.X, WithAxis(index, r.Axis, LaneValue.Uniform(_e.I64(0))));
        _e.Emit(new MoveStmt(best, _lanes > 1 ? VectorOf(first, t) : first.Reg));
        _e.Emit(new MoveStmt(at, _e.Const(Scalar.Int(0), it)));
        bool isMax = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMaxLast;
        bool last = r.Op is ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        _e.Loop("j", _e.I64(1), _e.I64(len), 1, j =>
        {
            var xe = Element(r.X, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
            var c = _lanes > 1 ? VectorOf(xe, t) : xe.Reg;
            var better = _e.Binary(isMax ? BinaryOp.Gt : BinaryOp.Lt, c, best, "better");
            if (last) better = _e.Binary(BinaryOp.Or, better, _e.Binary(BinaryOp.Eq, c, best, "tie"), "better");
            if (ScalarSemantics.IsFloat(t))
            {
                better = _e.Binary(BinaryOp.Or, better, _e.Unary(UnaryOp.IsNaN, c, "nan"), "better");
                better = _e.Binary(BinaryOp.And, better, _e.Unary(UnaryOp.Not, _e.Unary(UnaryOp.IsNaN, best, "nan"), "ok"), "better");
            }
            _e.Emit(new SelectStmt(best, better, c, best));
            var jv = _lanes > 1 ? _e.Broadcast(j, _lanes) : j;
            _e.Emit(new SelectStmt(at, better, jv, at));
        });
        return _e.Cast(at, TypeOf(r.Result.Type.Element, _lanes), r.Result.Name);
    }
}
