using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// Element expressions: the value of one element (or one vector of consecutive elements) of a Block value at an index.
internal sealed partial class KernelLowerer
{
    /// <summary>The element of <paramref name="v"/> at <paramref name="idx"/> (one entry per dim of v's shape).</summary>
    private LaneValue Element(BlockValue v, LaneValue[] idx)
    {
        if (_tileValues.Count > 0 && _tileValues.TryGetValue(v.Name, out var tile)) return tile;
        switch (_plan.Mode(v))
        {
            case ValueMode.Register:
                return LaneValue.Uniform(_regs.TryGetValue(v.Name, out var r) ? r
                    : throw new StrataException(ErrorCode.InvalidIr, $"block kernel @{_kernel.Name}: {v} is used before it is defined", "verify the kernel", $"block kernel @{_kernel.Name}"));
            case ValueMode.Materialised:
            {
                var buffer = _buffers[v.Name];
                var address = Address(idx, BufferStrides(v));
                return Read(buffer.Name, v.Type.Element, address, null, null, v.Name);
            }
            default:
                return ElementOf(_plan.Def(v)!, v, idx);
        }
    }

    /// <summary>The element of the result <paramref name="v"/> of <paramref name="op"/>, computed from its operands.</summary>
    private LaneValue ElementOf(BlockOp op, BlockValue v, LaneValue[] idx)
    {
        var shape = v.Type.Shape;
        var t = v.Type.Element;
        string h = v.Name;
        switch (op)
        {
            case ProgramIdOp p:
                return LaneValue.Uniform(_regs[v.Name]);
            case ConstantOp c:
                return LaneValue.Uniform(_e.Const(c.Value, MType.Scalar(t)));
            case ArangeOp a:
            {
                var start = Element(a.Start, []);
                var s64 = _e.Cast(start.Reg, MType.I64);
                var i = idx[0];
                var sum = LaneValue.Affine(_e.Add(s64, i.Reg), i.LinearStride);
                return t == DataType.Int64 ? sum : CastValue(sum, DataType.Int64, t, h);
            }
            case BroadcastOp b:
                return Element(b.Source, BroadcastIndex(b.Source.Type.Shape, shape, idx));
            case ReshapeOp r:
                return Element(r.Source, ReshapeIndex(r.Source.Type.Shape, shape, idx));
            case UnaryBlockOp u:
            {
                var x = Element(u.X, BroadcastIndex(u.X.Type.Shape, shape, idx));
                if (x.IsUniform) return LaneValue.Uniform(_e.Unary(u.Op, x.Reg, h));
                return LaneValue.Vector(_e.Unary(u.Op, VectorOf(x, u.X.Type.Element), h));
            }
            case BinaryBlockOp b:
            {
                var x = Element(b.A, BroadcastIndex(b.A.Type.Shape, shape, idx));
                // A square (mul %d, %d: a variance's deviation) computes its operand once, not twice: half the body,
                // so a row reduction over it stays short enough for several accumulator chains.
                var y = b.B.Name == b.A.Name ? x : Element(b.B, BroadcastIndex(b.B.Type.Shape, shape, idx));
                return FusedMulAdd(b, x, y, h) ?? BinaryValue(b.Op, b.A.Type.Element, x, y, h);
            }
            case SelectBlockOp s when IsZero(s.IfFalse) && ZeroWhereFalse(s.IfTrue, s.Condition, 0) && s.IfTrue.Type.Shape.SequenceEqual(shape):
                // select(m, load(… mask m … other 0), 0) is the load: it is already 0 wherever m is false. Folding it
                // keeps padded reads (whose m varies along the vector dim) vectorisable as lane-range loads.
                return Element(s.IfTrue, idx);
            case SelectBlockOp s when s.IfTrue.Type.Shape.SequenceEqual(shape) && _plan.Def(s.IfFalse) is ConstantOp k
                                      && _plan.Def(s.IfTrue) is LoadOp { Mask: { } m } l && SameScalar(l.Other ?? default, k.Value, t)
                                      && Conjuncts(m, 0).Contains(s.Condition.Name):
                // select(m, load(… mask ⊇ m, other k), k) is the load: it reads k wherever m is false.
                return Element(s.IfTrue, idx);
            case SelectBlockOp s when s.IfTrue.Type.Shape.SequenceEqual(shape) && FillableLoad(s) is { } l:
                // select(m, load(… mask m), k) is the load with other k (a max pool's padding reads -inf): lanes where
                // m is false read k either way, so the padded read stays one lane-range load.
                return LoadValue(l, idx, h, ((ConstantOp)_plan.Def(s.IfFalse)!).Value);
            case SelectBlockOp s:
            {
                var c = Element(s.Condition, BroadcastIndex(s.Condition.Type.Shape, shape, idx));
                var x = Element(s.IfTrue, BroadcastIndex(s.IfTrue.Type.Shape, shape, idx));
                var y = Element(s.IfFalse, BroadcastIndex(s.IfFalse.Type.Shape, shape, idx));
                if (c.IsUniform && x.IsUniform && y.IsUniform) return LaneValue.Uniform(_e.Select(c.Reg, x.Reg, y.Reg, h));
                if (c.Kind == LaneKind.Tail) return SelectLanes(c, VectorOf(x, t), VectorOf(y, t), t, h);
                var cv = c.IsUniform ? _e.Broadcast(c.Reg, _lanes) : c.Kind == LaneKind.Vector ? c.Reg
                    : throw new NotVectorisableException("select on a lane range");
                return LaneValue.Vector(_e.Select(cv, VectorOf(x, t), VectorOf(y, t), h));
            }
            case CastBlockOp c:
                return CastValue(Element(c.X, BroadcastIndex(c.X.Type.Shape, shape, idx)), c.X.Type.Element, t, h);
            case LoadOp l:
                return LoadValue(l, idx, h);
            default:
                throw Unsupported(op, $"cannot compute an element of {v} ({op.GetType().Name})");
        }
    }

    private LaneValue LoadValue(LoadOp l, LaneValue[] idx, string hint, Scalar? otherOverride = null)
    {
        var shape = l.Result.Type.Shape;
        if (_localScratch.TryGetValue(l.Param, out var local))
            return Read(local.Buffer, l.Result.Type.Element, LocalScratchAddress(local, l.Indices, shape, idx), null, null, hint);
        var address = LoadAddress(l, idx);
        LaneValue? mask = l.Mask is null ? null : Element(l.Mask, BroadcastIndex(l.Mask.Type.Shape, shape, idx));
        var other = ScalarSemantics.Normalize(otherOverride ?? l.Other ?? default, l.Result.Type.Element);
        return Read(l.Param, l.Result.Type.Element, address, mask, other, hint);
    }

    /// <summary>The element offset in its parameter that a load reads at <paramref name="idx"/>.</summary>
    private LaneValue LoadAddress(LoadOp l, LaneValue[] idx)
    {
        var shape = l.Result.Type.Shape;
        var strides = _paramStrides[l.Param];
        LaneValue address = LaneValue.Uniform(_e.I64(0));
        for (int d = 0; d < l.Indices.Length; d++)
        {
            if (d + 1 < l.Indices.Length && MergedIndex(l.Indices[d], l.Indices[d + 1], strides[d], strides[d + 1]) is { } merged)
            {
                // floordiv(e, c)·c·s + mod(e, c)·s = e·s for every integer e: the pair is the one index e.
                var e = ToI64(Element(merged, BroadcastIndex(merged.Type.Shape, shape, idx)), merged.Type.Element);
                address = AddAffine(address, MulAffine(e, strides[d + 1]));
                d++;
                continue;
            }
            var ix = Element(l.Indices[d], BroadcastIndex(l.Indices[d].Type.Shape, shape, idx));
            ix = ToI64(ix, l.Indices[d].Type.Element);
            address = AddAffine(address, MulAffine(ix, strides[d]));
        }
        return address;
    }

    /// <summary>The index e when a load's two adjacent indices are <c>floordiv(e, c)</c> and <c>mod(e, c)</c> of one index
    /// value and one constant c whose dims are laid out as one (stride of the first = c · stride of the second): a
    /// Reshape that merges axes, read from the merged side, addresses memory as the merged index does, so the
    /// access stays affine (vectorisable) instead of dividing per element. Null otherwise.</summary>
    private BlockValue? MergedIndex(BlockValue q, BlockValue r, long outerStride, long innerStride) =>
        _plan.Def(q) is BinaryBlockOp { Op: BinaryOp.FloorDiv } div && _plan.Def(r) is BinaryBlockOp { Op: BinaryOp.Mod } mod
        && div.A == mod.A && div.B == mod.B && div.A.Type == q.Type && mod.A.Type == r.Type && q.Type.Element == DataType.Int64
        && _plan.Def(div.B) is ConstantOp { Value.I: var c and > 0 } && outerStride == c * innerStride
            ? div.A : null;

    /// <summary>The largest lane stride read as a strided vector load; a larger one (a column of a wide matrix) touches
    /// a cache line per lane, and stays scalar.</summary>
    private const long MaxLaneStride = 8;

    /// <summary>Set while a micro-kernel reads B in place: a strided row is packed rather than re-read per tile.</summary>
    private bool _contiguousOnly;

    /// <summary>Reads memory at an address: scalar (uniform address), a contiguous vector (stride 1) or a strided one
    /// (constant lane stride 2..<see cref="MaxLaneStride"/>: a stride-2 pool's or conv's <c>x[2·ow + kw]</c>).</summary>
    private LaneValue Read(string memory, DataType t, LaneValue address, LaneValue? mask, Scalar? other, string hint)
    {
        if (address.IsUniform)
        {
            if (mask is null) return LaneValue.Uniform(_e.Load(MType.Scalar(t), memory, address.Reg, hint: hint));
            if (mask.Value.IsUniform) return LaneValue.Uniform(_e.Load(MType.Scalar(t), memory, address.Reg, mask.Value.Reg, null, other, hint));
            throw new NotVectorisableException("a uniform load under a lane-varying mask");
        }
        if (address.Kind != LaneKind.Affine || address.Stride < 1 || address.Stride > MaxLaneStride || (_contiguousOnly && address.Stride != 1))
            throw new NotVectorisableException("a non-contiguous load");
        CheckLanes(t);
        var type = TypeOf(t, _lanes);
        var (from, count) = AccessRange(mask);
        if (count is null && from is null) return LaneValue.Vector(_e.Load(type, memory, address.Reg, hint: hint, stride: address.Stride));
        return LaneValue.Vector(_e.Load(type, memory, address.Reg, null, count, other ?? default, hint, from, address.Stride));
    }

    /// <summary>The lane count of a mask usable as <c>count</c>: a lane range's, or all/none for a uniform one.</summary>
    private Reg CountOf(LaneValue mask) => mask.Kind switch
    {
        LaneKind.Tail => mask.Reg,
        LaneKind.Uniform => UniformCount(mask.Reg),
        _ => throw new NotVectorisableException("a lane-varying mask that is not a lane range"),
    };

    private Reg UniformCount(Reg mask)
    {
        if (_uniformTrue) return _e.I64(_lanes);
        _maskProbe?.Add(new MaskBound(MaskBoundKind.Uniform, mask));
        return _interior ? _e.I64(_lanes) : _e.Select(mask, _e.I64(_lanes), _e.I64(0), "n");
    }

    /// <summary>The later of two lane-range starts (absent: lane 0).</summary>
    private Reg? LaterFrom(Reg? a, Reg? b) => a is null ? b : b is null ? a : _e.Max(a, b);

    private static bool SameScalar(Scalar a, Scalar b, DataType t)
    {
        var (x, y) = (ScalarSemantics.Normalize(a, t), ScalarSemantics.Normalize(b, t));
        return ScalarSemantics.IsFloat(t) ? BitConverter.DoubleToInt64Bits(x.F) == BitConverter.DoubleToInt64Bits(y.F) : x.I == y.I;
    }

    private bool IsZero(BlockValue v) => _plan.Def(v) is ConstantOp c && IsPositiveZero(c.Value, v.Type.Element);

    private static bool IsPositiveZero(Scalar s, DataType t)
    {
        var n = ScalarSemantics.Normalize(s, t);
        return ScalarSemantics.IsFloat(t) ? BitConverter.DoubleToInt64Bits(n.F) == 0 : n.I == 0;
    }

    /// <summary>Whether <paramref name="v"/> is +0 at every element where <paramref name="cond"/> is false: a load
    /// whose mask has cond among its conjuncts (and) and whose other is +0, or a cast of one (cast keeps +0).</summary>
    private bool ZeroWhereFalse(BlockValue v, BlockValue cond, int depth)
    {
        if (depth > 4) return false;
        return _plan.Def(v) switch
        {
            LoadOp { Mask: { } m } l => IsPositiveZero(l.Other ?? default, v.Type.Element) && Conjuncts(m, 0).Contains(cond.Name),
            CastBlockOp c => ZeroWhereFalse(c.X, cond, depth + 1),
            _ => false,
        };
    }

    /// <summary>The load that <paramref name="s"/> selects where its condition holds, when the select is that load with
    /// another <c>other</c>: the if-false value is a constant, the if-true value an inline load (computed here, not read
    /// from a buffer that holds its own other) masked by exactly the condition. Null otherwise.</summary>
    private LoadOp? FillableLoad(SelectBlockOp s) =>
        _plan.Def(s.IfFalse) is ConstantOp && _plan.Mode(s.IfTrue) == ValueMode.Inline
        && _plan.Def(s.IfTrue) is LoadOp { Mask: { } m } l && m.Name == s.Condition.Name
            ? l : null;

    private IEnumerable<string> Conjuncts(BlockValue m, int depth) =>
        depth < 8 && _plan.Def(m) is BinaryBlockOp { Op: BinaryOp.And } a
            ? Conjuncts(a.A, depth + 1).Concat(Conjuncts(a.B, depth + 1)).Prepend(m.Name)
            : [m.Name];

    private LaneValue BinaryValue(BinaryOp op, DataType t, LaneValue x, LaneValue y, string hint)
    {
        if (x.IsUniform && y.IsUniform)
        {
            // Index arithmetic folds and is reused (a window's row index and its padding test then share registers,
            // which bounds analysis needs to tie the test to the access).
            if (t == DataType.Int64 && x.Reg.Type == MType.I64 && y.Reg.Type == MType.I64)
                switch (op)
                {
                    case BinaryOp.Add: return LaneValue.Uniform(_e.Add(x.Reg, y.Reg, hint));
                    case BinaryOp.Sub: return LaneValue.Uniform(_e.Sub(x.Reg, y.Reg, hint));
                    case BinaryOp.Mul: return LaneValue.Uniform(_e.Mul(x.Reg, y.Reg, hint));
                    case BinaryOp.FloorDiv when _e.Known(y.Reg) is > 0 and var q: return LaneValue.Uniform(_e.FloorDiv(x.Reg, q, hint));
                    case BinaryOp.Mod when _e.Known(y.Reg) is > 0 and var q: return LaneValue.Uniform(_e.Mod(x.Reg, q, hint));
                }
            return LaneValue.Uniform(_e.Binary(op, x.Reg, y.Reg, hint));
        }
        if (t == DataType.Int64 && x.Kind is LaneKind.Uniform or LaneKind.Affine && y.Kind is LaneKind.Uniform or LaneKind.Affine)
        {
            switch (op)
            {
                case BinaryOp.Add: return AddAffine(x, y);
                case BinaryOp.Sub: return LaneValue.Affine(_e.Sub(x.Reg, y.Reg), x.LinearStride - y.LinearStride);
                case BinaryOp.Mul when y.IsUniform && _e.Known(y.Reg) is { } c: return MulAffine(x, c);
                case BinaryOp.Mul when x.IsUniform && _e.Known(x.Reg) is { } c: return MulAffine(y, c);
                // A run of lanes that lies within one multiple of q (its start is a multiple of the run, which divides
                // q): floordiv is the start's for every lane, mod the start's plus the lane (a constant B laid out in
                // panels, Tile.Passes.PanelContractionWeights: b'[n / P, k, n % P] is contiguous along n in a panel).
                case BinaryOp.FloorDiv or BinaryOp.Mod when x.Stride == 1 && y.IsUniform && _e.Known(y.Reg) is { } q && q > 0 && InOneRun(x.Reg, q):
                    _alignedRuns++;
                    return op == BinaryOp.FloorDiv ? LaneValue.Uniform(_e.FloorDiv(x.Reg, q)) : LaneValue.Affine(_e.Mod(x.Reg, q), 1);
                case BinaryOp.Lt when x.Stride == 1 && y.IsUniform: return TailMask(_e.Sub(y.Reg, x.Reg));
                case BinaryOp.Le when x.Stride == 1 && y.IsUniform: return TailMask(_e.Add(_e.Sub(y.Reg, x.Reg), _e.I64(1)));
                case BinaryOp.Gt when y.Stride == 1 && x.IsUniform: return TailMask(_e.Sub(x.Reg, y.Reg));
                case BinaryOp.Ge when y.Stride == 1 && x.IsUniform: return TailMask(_e.Add(_e.Sub(x.Reg, y.Reg), _e.I64(1)));
                // Head masks: x + l ≥ y holds from lane y - x on.
                case BinaryOp.Ge when x.Stride == 1 && y.IsUniform: return HeadMask(_e.Sub(y.Reg, x.Reg));
                case BinaryOp.Gt when x.Stride == 1 && y.IsUniform: return HeadMask(_e.Add(_e.Sub(y.Reg, x.Reg), _e.I64(1)));
                case BinaryOp.Le when y.Stride == 1 && x.IsUniform: return HeadMask(_e.Sub(x.Reg, y.Reg));
                case BinaryOp.Lt when y.Stride == 1 && x.IsUniform: return HeadMask(_e.Add(_e.Sub(x.Reg, y.Reg), _e.I64(1)));
                // The same along a lane stride s > 1 (a stride-2 pool's padding test on 2·ow + kw): x + s·l < y holds
                // below lane ⌈(y - x)/s⌉, x + s·l ≥ y from lane ⌈(y - x)/s⌉ on; ≤ and > shift the bound by one.
                case BinaryOp.Lt when x.Stride > 1 && y.IsUniform: return StridedTail(_e.Sub(y.Reg, x.Reg), x.Stride);
                case BinaryOp.Le when x.Stride > 1 && y.IsUniform: return StridedTail(_e.Add(_e.Sub(y.Reg, x.Reg), _e.I64(1)), x.Stride);
                case BinaryOp.Gt when y.Stride > 1 && x.IsUniform: return StridedTail(_e.Sub(x.Reg, y.Reg), y.Stride);
                case BinaryOp.Ge when y.Stride > 1 && x.IsUniform: return StridedTail(_e.Add(_e.Sub(x.Reg, y.Reg), _e.I64(1)), y.Stride);
                case BinaryOp.Ge when x.Stride > 1 && y.IsUniform: return HeadMask(CeilDiv(_e.Sub(y.Reg, x.Reg), x.Stride));
                case BinaryOp.Gt when x.Stride > 1 && y.IsUniform: return HeadMask(CeilDiv(_e.Add(_e.Sub(y.Reg, x.Reg), _e.I64(1)), x.Stride));
                case BinaryOp.Le when y.Stride > 1 && x.IsUniform: return HeadMask(CeilDiv(_e.Sub(x.Reg, y.Reg), y.Stride));
                case BinaryOp.Lt when y.Stride > 1 && x.IsUniform: return HeadMask(CeilDiv(_e.Add(_e.Sub(x.Reg, y.Reg), _e.I64(1)), y.Stride));
            }
            throw new NotVectorisableException($"{op.Name()} on a lane-varying index");
        }
        if (t == DataType.Bool && op == BinaryOp.And && x.Kind is LaneKind.Tail or LaneKind.Uniform && y.Kind is LaneKind.Tail or LaneKind.Uniform)
            return LaneValue.Tail(_e.Min(CountOf(x), CountOf(y)), LaterFrom(x.From, y.From));
        return LaneValue.Vector(_e.Binary(op, VectorOf(x, t), VectorOf(y, t), hint));
    }

    /// <summary>The lanes a lane-affine index must keep in one run: the vector's (0), a micro-tile's width while the
    /// micro-kernel asks whether B's columns are affine across a whole tile, or none (-1) while an in-place operand's
    /// base is probed along rows or k, whose run is longer than the vector (KernelLowerer.InPlaceStep).</summary>
    private int _laneSpan;

    /// <summary>How often a floordiv/mod of a lane-affine index was proven uniform/affine over its run (InOneRun).</summary>
    private int _alignedRuns;

    /// <summary>Whether lanes start .. start + span - 1 (span: the vector's lanes, or <see cref="_laneSpan"/>) share one
    /// quotient by <paramref name="q"/>: the span divides q and start is known to be a multiple of the span.</summary>
    private bool InOneRun(Reg start, long q)
    {
        if (_laneSpan < 0) return false;
        long span = Math.Max(_lanes, _laneSpan);
        return q % span == 0 && _e.Multiple(start) % span == 0;
    }

    private LaneValue TailMask(Reg remaining)
    {
        _maskProbe?.Add(new MaskBound(MaskBoundKind.Tail, remaining));
        return _interior ? LaneValue.Tail(_e.I64(_lanes)) : LaneValue.Tail(_e.Min(_e.Max(remaining, _e.I64(0)), _e.I64(_lanes)));
    }

    /// <summary>The lanes l with s·l &lt; <paramref name="remaining"/>: l &lt; ⌈remaining / s⌉.</summary>
    private LaneValue StridedTail(Reg remaining, long s) => TailMask(CeilDiv(remaining, s));

    /// <summary>⌈a / s⌉ for s > 0, as floordiv(a + s - 1, s) (exact for negative a too).</summary>
    private Reg CeilDiv(Reg a, long s) => _e.FloorDiv(_e.Add(a, _e.I64(s - 1)), s);

    /// <summary>Lanes from <paramref name="first"/> on (not clamped: a range's from may be any i64, which keeps it a
    /// linear form the bounds analysis can add to the index).</summary>
    private LaneValue HeadMask(Reg first)
    {
        _maskProbe?.Add(new MaskBound(MaskBoundKind.Head, first));
        // A head at or before lane 0 (a constant start, e.g. an edge vector written out) is every lane: no range.
        return _interior || _e.Known(first) <= 0 ? LaneValue.Tail(_e.I64(_lanes)) : LaneValue.Tail(_e.I64(_lanes), first);
    }

    private LaneValue CastValue(LaneValue x, DataType from, DataType to, string hint)
    {
        if (from == to) return x;
        if (x.IsUniform) return LaneValue.Uniform(_e.Cast(x.Reg, MType.Scalar(to), hint));
        CheckLanes(to);
        return LaneValue.Vector(_e.Cast(VectorOf(x, from), TypeOf(to, _lanes), hint));
    }

    /// <summary>A vector register holding <paramref name="x"/> (a uniform value is broadcast).</summary>
    private Reg VectorOf(LaneValue x, DataType t)
    {
        CheckLanes(t);
        return x.Kind switch
        {
            LaneKind.Vector => x.Reg,
            LaneKind.Uniform => _e.HoistedBroadcast(x.Reg, _lanes),
            _ => throw new NotVectorisableException($"a {x.Kind} value used as data"),
        };
    }

    private void CheckLanes(DataType t)
    {
        if (t != DataType.Bool && _target.Lanes(t) != _lanes) throw new NotVectorisableException($"{t.ShortName()} has {_target.Lanes(t)} lanes, the loop {_lanes}");
    }

    private LaneValue ToI64(LaneValue x, DataType t)
    {
        if (t == DataType.Int64) return x;
        if (!x.IsUniform) throw new NotVectorisableException("a lane-varying index of a narrow integer type");
        return LaneValue.Uniform(_e.Cast(x.Reg, MType.I64, "ix"));
    }

    private LaneValue AddAffine(LaneValue x, LaneValue y) => LaneValue.Affine(_e.Add(Linear(x), Linear(y)), x.LinearStride + y.LinearStride);

    private LaneValue MulAffine(LaneValue x, long c) => LaneValue.Affine(_e.Mul(Linear(x), c), x.LinearStride * c);

    /// <summary>The base register of a uniform or affine index (a per-lane index, e.g. gathered from memory, has none).</summary>
    private static Reg Linear(LaneValue x) => x.Kind is LaneKind.Uniform or LaneKind.Affine ? x.Reg
        : throw new NotVectorisableException($"a {x.Kind} value used as an index");

    /// <summary>Linear element offset of an index in a row-major block of <paramref name="strides"/>.</summary>
    private LaneValue Address(LaneValue[] idx, long[] strides)
    {
        var a = LaneValue.Uniform(_e.I64(0));
        for (int d = 0; d < idx.Length; d++) a = AddAffine(a, MulAffine(idx[d], strides[d]));
        return a;
    }

    private static long[] RowMajor(ImmutableArray<int> shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
        return s;
    }

    /// <summary>Numpy broadcasting: the index into an operand of shape <paramref name="from"/> of the element at
    /// <paramref name="idx"/> of the result shape <paramref name="to"/> (size-1 dims read element 0).</summary>
    private LaneValue[] BroadcastIndex(ImmutableArray<int> from, ImmutableArray<int> to, LaneValue[] idx)
    {
        var r = new LaneValue[from.Length];
        int off = to.Length - from.Length;
        for (int d = 0; d < from.Length; d++)
            r[d] = from[d] == 1 && to[d + off] != 1 ? LaneValue.Uniform(_e.I64(0)) : idx[d + off];
        return r;
    }

    /// <summary>Where each source dim is the product of a run of consecutive result dims (a [R·M, N] block read as
    /// [R, M, N]): each source index is the run's indices combined (r·M + m), affine, without floordiv/mod.</summary>
    private LaneValue[]? MergedDimsIndex(ImmutableArray<int> from, ImmutableArray<int> to, int[] fromDims, int[] toDims, LaneValue[] idx)
    {
        var r = new LaneValue[from.Length];
        for (int d = 0; d < from.Length; d++) r[d] = LaneValue.Uniform(_e.I64(0));
        int j = 0;
        foreach (var fd in fromDims)
        {
            long product = 1;
            int start = j;
            while (j < toDims.Length && product < from[fd]) product *= to[toDims[j++]];
            if (product != from[fd] || j == start) return null;
            var index = idx[toDims[start]];
            for (int t = start + 1; t < j; t++) index = AddAffine(MulAffine(index, to[toDims[t]]), idx[toDims[t]]);
            r[fd] = index;
        }
        return j == toDims.Length ? r : null;
    }

    /// <summary>Where each result dim is the product of a run of consecutive source dims (a [R, M, K] block read as
    /// [R·M, K]: a stacked-rows dot operand read in place): a run of one source dim takes the index as it is (affine
    /// too), a longer run splits a uniform index by floordiv/mod (once per micro-tile row, not per element); null where
    /// the dims do not line up so or a split index varies across lanes.</summary>
    private LaneValue[]? SplitDimsIndex(ImmutableArray<int> from, ImmutableArray<int> to, int[] fromDims, int[] toDims, LaneValue[] idx)
    {
        var r = new LaneValue[from.Length];
        for (int d = 0; d < from.Length; d++) r[d] = LaneValue.Uniform(_e.I64(0));
        int j = 0;
        foreach (var td in toDims)
        {
            long product = 1;
            int start = j;
            while (j < fromDims.Length && product < to[td]) product *= from[fromDims[j++]];
            if (product != to[td] || j == start) return null;
            if (j - start == 1)
            {
                r[fromDims[start]] = idx[td];
                continue;
            }
            if (!idx[td].IsUniform) return null;
            var rest = idx[td].Reg;
            for (int q = j - 1; q >= start; q--)
            {
                long extent = from[fromDims[q]];
                r[fromDims[q]] = LaneValue.Uniform(q == start ? rest : _e.Binary(BinaryOp.Mod, rest, _e.I64(extent), "ix"));
                if (q > start) rest = _e.Binary(BinaryOp.FloorDiv, rest, _e.I64(extent), "ix");
            }
        }
        return j == fromDims.Length ? r : null;
    }

    /// <summary>The index into the source of a reshape: dims of size 1 dropped and matched when the other dims agree,
    /// merged runs of dims combined (<see cref="MergedDimsIndex"/>), else through the linear offset (floordiv/mod,
    /// uniform indices only).</summary>
    private LaneValue[] ReshapeIndex(ImmutableArray<int> from, ImmutableArray<int> to, LaneValue[] idx)
    {
        var fromDims = Enumerable.Range(0, from.Length).Where(d => from[d] != 1).ToArray();
        var toDims = Enumerable.Range(0, to.Length).Where(d => to[d] != 1).ToArray();
        var r = new LaneValue[from.Length];
        if (fromDims.Select(d => from[d]).SequenceEqual(toDims.Select(d => to[d])))
        {
            for (int d = 0; d < from.Length; d++) r[d] = LaneValue.Uniform(_e.I64(0));
            for (int i = 0; i < fromDims.Length; i++) r[fromDims[i]] = idx[toDims[i]];
            return r;
        }
        if (MergedDimsIndex(from, to, fromDims, toDims, idx) is { } merged) return merged;
        if (SplitDimsIndex(from, to, fromDims, toDims, idx) is { } split) return split;
        var linear = Address(idx, RowMajor(to));
        if (!linear.IsUniform) throw new NotVectorisableException("a reshape that regroups the vector dim");
        var strides = RowMajor(from);
        for (int d = 0; d < from.Length; d++)
        {
            var q = _e.Binary(BinaryOp.FloorDiv, linear.Reg, _e.I64(strides[d]), "ix");
            r[d] = LaneValue.Uniform(d == 0 ? q : _e.Binary(BinaryOp.Mod, q, _e.I64(from[d]), "ix"));
        }
        return r;
    }
}
