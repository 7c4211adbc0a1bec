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
            _regs[v.Name] = arg ? ArgReduce(r, [], len) : HorizontalCandidate(r) ? TryHorizontal(r, [[]], len)?[0] ?? Accumulate(r, [], len) : Accumulate(r, [], len);
            _lanes = saved;
            return;
        }
        var buffer = _e.NewBuffer(v.Name, v.Type.Element, v.Type.Size);
        var strides = RowMajor(v.Type.Shape);
        if (HorizontalCandidate(r))
        {
            // The reduced axis is the last one: each result element is a vector accumulation along it, JammedRows of
            // the result's last dim side by side.
            int rows = JammedRows(v.Type.Shape[^1], len, _target.Lanes(t));
            Nest(v.Type.Shape.SetItem(v.Type.Rank - 1, v.Type.Shape[^1] / rows), DataType.Bool, idx =>
            {
                LaneValue[] Row(Reg q)
                {
                    var row = (LaneValue[])idx.Clone();
                    if (rows > 1) row[^1] = LaneValue.Uniform(_e.Add(_e.Mul(idx[^1].Reg, _e.I64(rows)), q));
                    return row;
                }
                void One(LaneValue[] row, Reg value) => Write(buffer.Name, v.Type.Element, Address(row, strides), LaneValue.Uniform(value), null);
                if (rows > 1)
                {
                    var group = Enumerable.Range(0, rows).Select(q => Row(_e.I64(q))).ToArray();
                    if (TryHorizontal(r, group, len) is { } values)
                    {
                        for (int q = 0; q < rows; q++) One(group[q], values[q]);
                        return;
                    }
                }
                // One row at a time (a long body, exp or erf, is bound by its own arithmetic): a loop over the group.
                void Single(LaneValue[] row) => One(row, TryHorizontal(r, [row], len)?[0] ?? Accumulate(r, row, len));
                if (rows == 1) Single(idx);
                else _e.Loop("q", _e.I64(0), _e.I64(rows), 1, q => Single(Row(q)));
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
    /// chains combined pairwise; s = reduce_lanes. The rest (fewer than lanes) is one more vector step with the identity in
    /// the lanes past the row (<see cref="TryVectorTail"/>), or else a scalar loop. Max/min give exactly the sequential result;
    /// sum adds in another order (lane-wise partial sums). Null (nothing emitted) when X has no lane-wise form along
    /// the axis.</summary>
    private Reg[]? TryHorizontal(ReduceBlockOp r, LaneValue[][] group, int len)
    {
        var t = r.X.Type.Element;
        int lanes = _target.Lanes(t);
        long full = len / lanes * lanes;
        int rows = group.Length;
        var op = r.Op.Step()!.Value;
        bool fma = r.Op == ReduceOp.Sum && _target.HasFma && ScalarSemantics.IsFloat(t);
        var saved = (_lanes, _tailCount);
        ImmutableArray<MStmt> code;
        Reg[][] accs;
        bool vectorTail = false;
        try
        {
            _lanes = lanes;
            _tailCount = null;
            var type = TypeOf(t, lanes);
            // acc = step(acc, x[.., at]), the step's mul folded into an fma where X's element ends in one.
            void Step(Reg acc, LaneValue[] index, Reg at)
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
            // One trial body (discarded) says whether copies per chain are cheap enough; jammed rows need it short.
            var trial = _e.Collect(() => Step(_e.NewReg(r.Result.Name + "_trial", type), group[0], _e.I64(0)));
            if (rows > 1 && trial.Length > MaxUnrolledBody) return null;
            int chains = trial.Length <= MaxUnrolledBody ? (int)Math.Min(Math.Max(1, MaxHorizontalChains / rows), Math.Max(1, full / lanes)) : 1;
            accs = [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, chains).Select(u => _e.NewReg(r.Result.Name + "_vacc", type)).ToArray())];
            long step = (long)chains * lanes;
            long grouped = full / step * step;
            code = _e.Collect(() =>
            {
                foreach (var a in accs.SelectMany(x => x)) _e.Emit(new MoveStmt(a, _e.Const(ScalarSemantics.ReduceInit(r.Op, t), type)));
                _e.Loop("j", _e.I64(0), _e.I64(grouped), step, j =>
                {
                    for (int u = 0; u < chains; u++)
                    {
                        var at = _e.Add(j, _e.I64((long)u * lanes));
                        for (int q = 0; q < rows; q++) Step(accs[q][u], group[q], at);
                    }
                });
                _e.Loop("j", _e.I64(grouped), _e.I64(full), lanes, j =>
                {
                    for (int q = 0; q < rows; q++) Step(accs[q][0], group[q], j);
                });
                if (full < len) vectorTail = TryVectorTail(r, group, accs, full, len - full, type);
                foreach (var a in accs)
                    for (int w = 1; w < chains; w *= 2)
                        for (int u = 0; u + w < chains; u += 2 * w)
                            _e.Emit(new BinaryStmt(a[u], op, a[u], a[u + w]));
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
        var results = new Reg[rows];
        for (int q = 0; q < rows; q++)
        {
            var acc = results[q] = _e.NewReg(r.Result.Name + "_acc", MType.Scalar(t));
            _e.Emit(new ReduceLanesStmt(acc, r.Op, accs[q][0]));
            if (vectorTail) continue;
            var index = group[q];
            _e.Loop("j", _e.I64(full), _e.I64(len), 1, j =>
            {
                var x = ReduceInput(r, WithAxis(index, r.Axis, LaneValue.Uniform(j)));
                _e.Emit(new BinaryStmt(acc, op, acc, x.Reg));
            });
        }
        return results;
    }

    /// <summary>The last <paramref name="count"/> (&lt; lanes) elements of each row as one more vector step into the
    /// row's first accumulator: X computed with its accesses limited to those lanes, the other lanes replaced by the
    /// reduction's identity (a constant blend, one shuffle), so they add nothing (sum) or never win (max/min: −inf/+inf,
    /// and a NaN lane stays NaN). Instead of a scalar loop per row, a dependent scalar chain per pass: Softmax [8, 77, 77]
    /// (a rest of 13) took 1.64× the time with it (two sessions in one process, both creation orders, 1 thread), 0.81 of
    /// ONNX Runtime's speed; with the vector step, 1.32. False (nothing emitted) where X has no counted vector form; the
    /// scalar rest then runs.</summary>
    private bool TryVectorTail(ReduceBlockOp r, LaneValue[][] group, Reg[][] accs, long full, long count, MType type)
    {
        var t = r.X.Type.Element;
        var op = r.Op.Step()!.Value;
        var saved = _tailCount;
        try
        {
            var code = _e.Collect(() =>
            {
                _tailCount = _e.I64(count);
                var identity = _e.Const(ScalarSemantics.ReduceInit(r.Op, t), type);
                ImmutableArray<int> blend = [.. Enumerable.Range(0, type.Lanes).Select(l => l < count ? l : type.Lanes + l)];
                foreach (var (index, acc) in group.Zip(accs))
                {
                    var xv = VectorOf(ReduceInput(r, WithAxis(index, r.Axis, LaneValue.Affine(_e.I64(full), 1))), t);
                    var kept = _e.NewReg(r.Result.Name + "_tail", type);
                    _e.Emit(new ShuffleStmt(kept, xv, identity, blend));
                    _e.Emit(new BinaryStmt(acc[0], op, acc[0], kept));
                }
            });
            foreach (var st in code) _e.Emit(st);
            return true;
        }
        catch (NotVectorisableException)
        {
            return false;
        }
        finally
        {
            _tailCount = saved;
        }
    }

    /// <summary>Most rows of a horizontal reduction's result that run side by side, each with its own accumulators,
    /// one loop over the reduced axis for all: a row-times-transposed kernel (a GEMV over an FC layer's [N, K] weight)
    /// streams that many weight rows at once, and the input row's vectors are loaded once per group (RyuJIT keeps one
    /// load for the group's FMAs). A C# loop over a 25088 × 4096 f32 weight read 12 GB/s one row at a time and 15 GB/s
    /// four at a time (1 thread, Intel Xeon host); measured with two sessions in one process, both creation orders:
    /// alexnet 1.073 and zfnet512 1.065 times as fast (their FC layers: 9216 × 4096 and 4096 × 4096 weights).</summary>
    private const int MaxJammedRows = 4;

    /// <summary>The rows of a horizontal reduction <see cref="LowerReduce"/> runs side by side: the largest of
    /// <see cref="MaxJammedRows"/>, 2 that divides the result's last dim, where each row is at least two vectors long
    /// (a short row's reduction is its horizontal fold, not its stream); else 1.</summary>
    private static int JammedRows(int last, int len, int lanes)
    {
        if (len < 2 * lanes) return 1;
        for (int rows = MaxJammedRows; rows > 1; rows /= 2)
            if (last % rows == 0) return rows;
        return 1;
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
