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
        && (r.Op is ReduceOp.Max or ReduceOp.Min or ReduceOp.MaxNative || r.Op == ReduceOp.Sum && (_options.ReassociateSums || !ScalarSemantics.IsFloat(r.X.Type.Element)));

    /// <summary>Most vector accumulators of a horizontal reduction: four independent add (or fma) chains hide the
    /// latency of one, so a long row streams at load bandwidth instead of one add per latency.</summary>
    private const int MaxHorizontalChains = 4;

    /// <summary>Longest per-vector body (statements) that is copied once per accumulator chain: a load, a mul or two;
    /// a longer body (exp, erf) is bound by its own arithmetic, not by the chain, and copies would only cost code.</summary>
    private const int MaxUnrolledBody = 8;

    /// <summary>acc_u (vectors) = init; for groups of full vectors j: acc_u = step(acc_u, x[.., j+u·lanes]) for u &lt; U
    /// chains (<see cref="MaxHorizontalChains"/>, a sum of products as fma); the remaining full vectors into acc_0; the
    /// chains combined pairwise; s = reduce_lanes; then the scalar rest. Max/min give exactly the sequential result;
    /// sum adds in another order (lane-wise partial sums). Null (nothing emitted) when X has no lane-wise form along
    /// the axis.</summary>
    private Reg? TryHorizontal(ReduceBlockOp r, LaneValue[] idx, int len)
    {
        var t = r.X.Type.Element;
        int lanes = _target.Lanes(t);
        long full = len / lanes * lanes;
        var index = (LaneValue[])idx.Clone();
        var op = r.Op.Step()!.Value;
        bool fma = r.Op == ReduceOp.Sum && _target.HasFma && ScalarSemantics.IsFloat(t);
        var saved = (_lanes, _tailCount);
        ImmutableArray<MStmt> code;
        Reg vacc;
        try
        {
            _lanes = lanes;
            _tailCount = null;
            var type = TypeOf(t, lanes);
            // acc = step(acc, x[.., at]), the step's mul folded into an fma where X's element ends in one.
            void Step(Reg acc, Reg at)
            {
                var xv = VectorOf(ReduceInput(r, WithAxis(index, r.Axis, LaneValue.Affine(at, 1))), t);
                if (fma && _e.TakeLast() is { } last)
                {
                    if (last is BinaryStmt { Op: BinaryOp.Mul } mul && mul.Target == xv)
                    {
                        _e.Emit(new FmaStmt(acc, mul.A, mul.B, acc));
                        return;
                    }
                    _e.Emit(last);
                }
                _e.Emit(new BinaryStmt(acc, op, acc, xv));
            }
            // One trial body (discarded) says whether copies per chain are cheap enough.
            var trial = _e.Collect(() => Step(_e.NewReg(r.Result.Name + "_trial", type), _e.I64(0)));
            int chains = trial.Length <= MaxUnrolledBody ? (int)Math.Min(MaxHorizontalChains, Math.Max(1, full / lanes)) : 1;
            var accs = Enumerable.Range(0, chains).Select(u => _e.NewReg(r.Result.Name + "_vacc", type)).ToArray();
            vacc = accs[0];
            long group = (long)chains * lanes;
            long grouped = full / group * group;
            code = _e.Collect(() =>
            {
                foreach (var a in accs) _e.Emit(new MoveStmt(a, _e.Const(ScalarSemantics.ReduceInit(r.Op, t), type)));
                _e.Loop("j", _e.I64(0), _e.I64(grouped), group, j =>
                {
                    for (int u = 0; u < chains; u++) Step(accs[u], _e.Add(j, _e.I64((long)u * lanes)));
                });
                _e.Loop("j", _e.I64(grouped), _e.I64(full), lanes, j => Step(accs[0], j));
                for (int w = 1; w < chains; w *= 2)
                    for (int u = 0; u + w < chains; u += 2 * w)
                        _e.Emit(new BinaryStmt(accs[u], op, accs[u], accs[u + w]));
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
            var x = ReduceInput(r, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
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
        var op = r.Op.Step()!.Value;
        // Copy idx: the nest reuses its array while the loop body closure runs inside this call only.
        var index = (LaneValue[])idx.Clone();
        _e.Loop("j", _e.I64(0), _e.I64(len), 1, j =>
        {
            var x = ReduceInput(r, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
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
