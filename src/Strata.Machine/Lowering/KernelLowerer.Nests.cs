using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// Loop nests: one per materialised value and per store, vectorised along the last dim where the body allows it.
internal sealed partial class KernelLowerer
{
    /// <summary>Emits loops over <paramref name="shape"/> running <paramref name="body"/> per element. When
    /// <paramref name="vectorElement"/> has lanes &gt; 1 on the target, the innermost loop is first tried as a vector
    /// loop over full vectors plus one count-masked vector for the rest; if the body has no lane-wise form
    /// (<see cref="NotVectorisableException"/>) it stays a scalar loop.</summary>
    /// <returns>Whether the innermost loop was vectorised.</returns>
    private bool Nest(ImmutableArray<int> shape, DataType vectorElement, Action<LaneValue[]> body, string hint = "i")
    {
        // Trailing dims of extent 1 (a [1, C, 1, 1] block after a global pool) would leave nothing to vectorise: the
        // nest runs over the dims before them, the last of those innermost, each unit dim's index a uniform 0.
        int kept = shape.Length;
        while (kept > 1 && shape[kept - 1] == 1) kept--;
        if (kept < shape.Length && shape[kept - 1] > 1)
        {
            int rank = shape.Length;
            return Nest(shape[..kept], vectorElement, inner =>
            {
                var full = new LaneValue[rank];
                inner.CopyTo(full, 0);
                for (int d = kept; d < rank; d++) full[d] = LaneValue.Uniform(_e.I64(0));
                body(full);
            }, hint);
        }
        var idx = new LaneValue[shape.Length];
        int lanes = _options.Vectorize ? _target.Lanes(vectorElement) : 1;
        bool vectorised = false;
        void Outer(int d)
        {
            if (d == shape.Length - 1 && lanes > 1 && shape[d] > 1 && TryVectorInner(shape[d], lanes, idx, body, hint)) { vectorised = true; return; }
            if (d == shape.Length) { body(idx); return; }
            if (shape[d] == 1) { idx[d] = LaneValue.Uniform(_e.I64(0)); Outer(d + 1); return; }
            _e.Loop(hint + d, _e.I64(0), _e.I64(shape[d]), 1, i => { idx[d] = LaneValue.Uniform(i); Outer(d + 1); });
        }
        Outer(0);
        return vectorised;
    }

    private bool TryVectorInner(int extent, int lanes, LaneValue[] idx, Action<LaneValue[]> body, string hint)
    {
        int d = idx.Length - 1;
        long full = extent / lanes * lanes;
        ImmutableArray<MStmt> code;
        var saved = (_lanes, _tailCount);
        try
        {
            _lanes = lanes;
            code = _e.Collect(() =>
            {
                if (!TryVersionUniform(extent, full, lanes, idx, body, hint)) VectorRow(extent, full, lanes, idx, body, hint, split: true);
            });
        }
        catch (NotVectorisableException)
        {
            return false;
        }
        finally
        {
            (_lanes, _tailCount) = saved;
        }
        foreach (var s in code) _e.Emit(s);
        return true;
    }

    /// <summary>One row of a vector loop: the full vectors (split into edges and interior when <paramref name="split"/>
    /// and the masks allow; written out at constant starts when there are few and every uniform mask holds, or with
    /// <paramref name="writeOut"/>: the padding rows' version of a row whose loads are contiguous), then one vector whose
    /// accesses are limited to the first (extent - full) lanes. Written out, the padding rows' lane ranges fold to constants and only the row's
    /// uniform count stays a register: a 3×3/1 average pool of 192×28×28 (2 padding rows of 28) took 88–102 µs with the
    /// loop, 68 µs written out, 59 µs on a 30×30 input without padding; in every light model the changed kernels took
    /// less (inception_v2 0.49 → 0.40 ms, resnet50 0.46 → 0.36, densenet121 0.79 → 0.70, vgg19 2.75 → 2.74; 1 thread, 3
    /// alternations). Not where the row reads with a lane stride (a 3×3/2 max pool): written out, its ranged stride-2
    /// loads made RyuJIT spill (71 → 244 stack accesses), and inception_v2's 112×112 max pool took 15% more.</summary>
    private void VectorRow(int extent, long full, int lanes, LaneValue[] idx, Action<LaneValue[]> body, string hint, bool split, bool writeOut = false)
    {
        int d = idx.Length - 1;
        var entryTail = _tailCount;
        if ((_uniformTrue || writeOut) && full / lanes <= MaxUnrolledEdges)
            for (long v = 0; v < full; v += lanes) { idx[d] = LaneValue.Affine(_e.I64(v), 1); body(idx); }
        else if (!split || !TrySplitEdges(full, lanes, idx, body, hint))
            _e.Loop(hint + d, _e.I64(0), _e.I64(full), lanes, i => { idx[d] = LaneValue.Affine(i, 1); body(idx); });
        if (full == extent) return;
        _tailCount = _e.I64(extent - full);
        idx[d] = LaneValue.Affine(_e.I64(full), 1);
        body(idx);
        _tailCount = entryTail;
    }

    /// <summary>The lanes of a vector access: the mask's range (if any) limited to the nest's tail count (if any); a
    /// count that is known to cover every lane is dropped.</summary>
    private (Reg? From, Reg? Count) AccessRange(LaneValue? mask)
    {
        var m = mask is null ? null : CountOf(mask.Value);
        var count = m is null ? _tailCount : _tailCount is null ? m : _e.Min(m, _tailCount);
        if (count is not null && _e.Known(count) >= _lanes) count = null;
        return (mask?.From, count);
    }

    /// <summary>Computes every element of <paramref name="v"/> into its own buffer.</summary>
    private void Materialise(BlockValue v)
    {
        if (TryPackStackedRows(v)) return;
        var buffer = _e.NewBuffer(v.Name, v.Type.Element, v.Type.Size);
        var op = _plan.Def(v)!;
        var shape = v.Type.Shape;
        var strides = RowMajor(shape);
        bool rowVectors = false;
        var rows = _e.Collect(() => rowVectors = Nest(shape, v.Type.Element, idx =>
        {
            var value = ElementOf(op, v, idx);
            Write(buffer.Name, v.Type.Element, Address(idx, strides), value, null);
        }));
        // A dot's A block whose rows have no vector form (a conv input read along ci, H·W apart) may have columns that
        // do (along ow): it is then packed column-major, [K][M], and the micro-kernel reads A(row, p) at p·M + row.
        if (!rowVectors && shape.Length == 2 && shape[0] > 1 && _options.Vectorize && _target.Lanes(v.Type.Element) > 1 && IsDotA(v))
        {
            ImmutableArray<int> swapped = [shape[1], shape[0]];
            var swappedStrides = RowMajor(swapped);
            bool columnVectors = false;
            var columns = _e.Collect(() => columnVectors = Nest(swapped, v.Type.Element, idx =>
            {
                var value = ElementOf(op, v, [idx[1], idx[0]]);
                Write(buffer.Name, v.Type.Element, Address(idx, swappedStrides), value, null);
            }));
            if (columnVectors)
            {
                foreach (var s in columns) _e.Emit(s);
                _columnMajor.Add(v.Name);
                _buffers[v.Name] = buffer;
                return;
            }
        }
        foreach (var s in rows) _e.Emit(s);
        _buffers[v.Name] = buffer;
    }

    /// <summary>Materialised values laid out column-major ([K][M]): dot A blocks packed along their columns.</summary>
    private readonly HashSet<string> _columnMajor = new(StringComparer.Ordinal);

    /// <summary>The row-major strides of a materialised value, or its column-major ones (<see cref="_columnMajor"/>).</summary>
    private long[] BufferStrides(BlockValue v) =>
        _columnMajor.Contains(v.Name) ? [1, v.Type.Shape[0]] : RowMajor(v.Type.Shape);

    private HashSet<string>? _dotA;

    /// <summary>Whether <paramref name="v"/> is the A operand of a dot of this kernel, and nothing else reads it.</summary>
    private bool IsDotA(BlockValue v)
    {
        if (_dotA is null)
        {
            _dotA = new HashSet<string>(StringComparer.Ordinal);
            void Walk(ImmutableArray<BlockOp> ops)
            {
                foreach (var op in ops)
                    if (op is DotOp d) _dotA.Add(d.A.Name);
                    else if (op is ForOp f) Walk(f.Body);
            }
            Walk(_kernel.Body);
        }
        return _dotA.Contains(v.Name) && _plan.Consumers(v) == 1;
    }

    /// <summary>Writes a value to memory: a scalar store, or a contiguous (optionally lane-range-masked) vector store;
    /// where <see cref="_stridedStores"/> allows, a vector store of lane stride ≥ 2.</summary>
    private void Write(string memory, DataType t, LaneValue address, LaneValue value, LaneValue? mask)
    {
        if (_lanes == 1)
        {
            _e.Emit(new StoreStmt(memory, address.Reg, value.Reg, mask?.Reg));
            return;
        }
        if (address.Kind != LaneKind.Affine || address.Stride != 1 && !(_stridedStores && address.Stride >= 2))
            throw new NotVectorisableException("a non-contiguous store");
        var v = VectorOf(value, t);
        var (from, count) = AccessRange(mask);
        _e.Emit(new StoreStmt(memory, address.Reg, v, null, count, from, address.Stride));
    }

    /// <summary>Whether <see cref="Write"/> may store a vector with a lane stride (one scalar store per lane, extracted
    /// from the register): set while a store op writes a value that is already in a buffer (<see cref="LowerStore"/>).
    /// Elsewhere a non-contiguous store keeps its nest scalar, as before: its value would be computed lane by lane
    /// anyway. (Stored from the micro-tile, through the dot's epilogue, the strided stores did not pay: resnet50's res2
    /// 3×3 convs 1 thread CPU about even, its 7×7 1×1 convs 5–20% slower — 384 single-float stores to 64 output rows per
    /// 6×64 tile among the tile's stream of weights. In a loop of their own after the dot: resnet50's three res2 3×3 and
    /// two res5 1×1 convs 4.69 → 4.53 ms, 3 alternating runs on a loaded host.)</summary>
    private bool _stridedStores;

    private void LowerStore(StoreOp s)
    {
        var shapes = s.Indices.Select(v => v.Type.Shape.ToArray()).Append(s.Value.Type.Shape.ToArray());
        if (s.Mask is not null) shapes = shapes.Append(s.Mask.Type.Shape.ToArray());
        var shape = ImmutableArray.Create(ShapeMath.Broadcast([.. shapes]));
        var strides = _paramStrides[s.Param];
        var t = s.Value.Type.Element;
        // A value already in a buffer (a dot's C) stored with a lane stride: a channels-as-columns conv's [ow, co] tile
        // stored transposed into the [co, oh, ow] output reads C contiguously along the channels and writes each vector
        // with one extracting store per lane, not a scalar load and store per element.
        _stridedStores = _buffers.ContainsKey(s.Value.Name);
        try
        {
            var local = _localScratch.GetValueOrDefault(s.Param);
            if (local is not null && TryTransposedStore(s, local, shape, t)) return;
            Nest(shape, t, idx =>
            {
                if (local is not null)
                {
                    Write(local.Buffer, t, LocalScratchAddress(local, s.Indices, shape, idx), Element(s.Value, BroadcastIndex(s.Value.Type.Shape, shape, idx)), null);
                    return;
                }
                var address = LaneValue.Uniform(_e.I64(0));
                for (int d = 0; d < s.Indices.Length; d++)
                {
                    var ix = ToI64(Element(s.Indices[d], BroadcastIndex(s.Indices[d].Type.Shape, shape, idx)), s.Indices[d].Type.Element);
                    address = AddAffine(address, MulAffine(ix, strides[d]));
                }
                var value = Element(s.Value, BroadcastIndex(s.Value.Type.Shape, shape, idx));
                LaneValue? mask = s.Mask is null ? null : Element(s.Mask, BroadcastIndex(s.Mask.Type.Shape, shape, idx));
                Write(s.Param, t, address, value, mask);
            }, "i");
        }
        finally { _stridedStores = false; }
    }
}
