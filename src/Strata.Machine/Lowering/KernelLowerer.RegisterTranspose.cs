using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// A buffered [rows, columns] value stored transposed into a local scratch: lanes × lanes blocks transposed in registers.
internal sealed partial class KernelLowerer
{
    /// <summary>Stores a value already in a buffer, contiguous along the store's last dim (a channels-as-columns
    /// conv's dot result, [positions, co]), into a local scratch buffer contiguous along the one other dim of the
    /// store ([co, positions], read back by the epilogue), by blocks of lanes rows × lanes columns: the rows loaded as
    /// vectors, transposed in registers (<see cref="TransposeNetwork"/>: 64 shuffles for 16 × 16 f32), stored as
    /// vectors of positions — instead of one extracting store per element (a strided store, KernelLowerer.Nests
    /// <c>Write</c>). Row blocks past the last position load nothing (zero vectors) and the columns are stored
    /// count-limited to the positions there are; a column block past the last channel loads count-limited rows and
    /// stores only its columns. The rows may span several dims of the store (a row-stacked conv's [R·M, N] result seen
    /// as [R, M, N], through reshapes) where the local scratch is contiguous across them: they are flattened, so a
    /// block of 16 positions may cross an output row. A last block of at most a quarter of the lanes in rows (49 = 3 ·
    /// 16 + 1) stores its rows by strided stores instead of the whole network. Returns false (nothing emitted) where the
    /// store does not have that form.</summary>
    private bool TryTransposedStore(StoreOp s, LocalScratch local, ImmutableArray<int> shape, DataType t)
    {
        if (!_options.RegisterTranspose || !_options.Vectorize) return false;
        // The value in a buffer, maybe through reshapes (a row-stacked conv's [R·M, N] dot result seen as [R, M, N]).
        var source = s.Value;
        while (!_buffers.ContainsKey(source.Name) && _plan.Def(source) is ReshapeOp r) source = r.Source;
        if (!_buffers.ContainsKey(source.Name) || _columnMajor.Contains(source.Name)) return false;
        int lanes = _target.Lanes(t);
        if (lanes < 2) return false;
        var wide = Enumerable.Range(0, shape.Length).Where(d => shape[d] > 1).ToArray();
        if (wide.Length < 2 || wide[^1] != shape.Length - 1) return false;
        // The rows: every wide dim before the columns, flattened row-major (a row-stacked conv's [oh, ow] positions).
        int dc = wide[^1];
        var rowDims = wide[..^1];
        int rows = rowDims.Aggregate(1, (p, d) => p * shape[d]), columns = shape[dc];
        var valueShape = s.Value.Type.Shape;
        // The value is row-major in its buffer: contiguous along the last dim when that dim is the store's columns.
        if (valueShape.Length == 0 || valueShape[^1] != columns) return false;
        var zero = _e.I64(0);
        LaneValue[] At(LaneValue[] r, LaneValue c)
        {
            var idx = new LaneValue[shape.Length];
            for (int d = 0; d < idx.Length; d++) idx[d] = LaneValue.Uniform(zero);
            for (int k = 0; k < rowDims.Length; k++) idx[rowDims[k]] = r[k];
            idx[dc] = c;
            return idx;
        }
        // The index along each row dim of flattened row r; with lanes, the last one lane-affine (rows r, r + 1, …: the
        // local scratch is contiguous across the row dims, checked below, so lanes past a dim's end go on to the next).
        LaneValue[] RowIndex(Reg r, bool lanesAlongRows)
        {
            var idx = new LaneValue[rowDims.Length];
            long inner = 1;
            for (int k = rowDims.Length - 1; k >= 0; k--)
            {
                var q = inner == 1 ? r : _e.FloorDiv(r, inner);
                var v = k == 0 ? q : _e.Mod(q, shape[rowDims[k]]);
                idx[k] = lanesAlongRows && k == rowDims.Length - 1 ? LaneValue.Affine(v, 1) : LaneValue.Uniform(v);
                inner *= shape[rowDims[k]];
            }
            return idx;
        }
        LaneValue[] Unit(int dim)
        {
            var idx = new LaneValue[rowDims.Length];
            for (int k = 0; k < idx.Length; k++) idx[k] = k == dim ? LaneValue.Affine(zero, 1) : LaneValue.Uniform(zero);
            return idx;
        }
        var saved = (_lanes, _tailCount);
        ImmutableArray<MStmt> code;
        try
        {
            _lanes = lanes;
            _tailCount = null;
            // The local buffer must be contiguous along the rows, across the row dims (what makes the transposed
            // columns whole vectors).
            long expected = 1;
            for (int k = rowDims.Length - 1; k >= 0; k--)
            {
                long stride = 0;
                _e.Collect(() => stride = LocalScratchAddress(local, s.Indices, shape, At(Unit(k), LaneValue.Uniform(zero))).LinearStride);
                if (stride != expected) return false;
                expected *= shape[rowDims[k]];
            }
            var none = _e.Const(ScalarSemantics.Normalize(default, t), MType.Vector(t, lanes));
            void Block(Reg r0, int liveRows, Reg c0, int liveColumns)
            {
                _tailCount = liveColumns < lanes ? _e.I64(liveColumns) : null;
                var regs = new Reg[lanes];
                for (int i = 0; i < lanes; i++)
                    regs[i] = i >= liveRows ? none
                        : VectorOf(Element(s.Value, BroadcastIndex(valueShape, shape, At(RowIndex(_e.Add(r0, _e.I64(i)), false), LaneValue.Affine(c0, 1)))), t);
                var cols = TransposeNetwork.Emit(regs, (hint, type) => _e.NewReg(hint, type), _e.Emit, none);
                _tailCount = liveRows < lanes ? _e.I64(liveRows) : null;
                for (int j = 0; j < liveColumns; j++)
                    Write(local.Buffer, t, LocalScratchAddress(local, s.Indices, shape, At(RowIndex(r0, true), LaneValue.Uniform(_e.Add(c0, _e.I64(j))))),
                        LaneValue.Vector(cols[j]), null);
            }
            // One row stored by strided (extracting) stores: a vector of its columns per store, one lane per channel.
            void Row(Reg r, Reg c0, int liveColumns)
            {
                _tailCount = liveColumns < lanes ? _e.I64(liveColumns) : null;
                var v = VectorOf(Element(s.Value, BroadcastIndex(valueShape, shape, At(RowIndex(r, false), LaneValue.Affine(c0, 1)))), t);
                var address = LocalScratchAddress(local, s.Indices, shape, At(RowIndex(r, false), LaneValue.Affine(c0, 1)));
                if (address.Kind != LaneKind.Affine || address.Stride < 2) throw new NotVectorisableException("a column stride below 2");
                bool strided = _stridedStores;
                _stridedStores = true;
                try { Write(local.Buffer, t, address, LaneValue.Vector(v), null); }
                finally { _stridedStores = strided; }
            }
            void RowBlock(Reg r0, int liveRows)
            {
                int full = columns / lanes * lanes;
                // A block of few rows (a stacked plane's last: 49 = 3·16 + 1) costs the whole network and a
                // count-limited store per column; its rows go by strided stores, lanes per row and vector of columns.
                if (liveRows <= lanes / 4)
                {
                    for (int i = 0; i < liveRows; i++)
                    {
                        var r = _e.Add(r0, _e.I64(i));
                        if (full > 0) _e.Loop("tc", zero, _e.I64(full), lanes, c0 => Row(r, c0, lanes));
                        if (full < columns) Row(r, _e.I64(full), columns - full);
                    }
                    return;
                }
                if (full > 0) _e.Loop("tc", zero, _e.I64(full), lanes, c0 => Block(r0, liveRows, c0, lanes));
                if (full < columns) Block(r0, liveRows, _e.I64(full), columns - full);
            }
            code = _e.Collect(() =>
            {
                int full = rows / lanes * lanes;
                if (full > 0) _e.Loop("tr", zero, _e.I64(full), lanes, r0 => RowBlock(r0, lanes));
                if (full < rows) RowBlock(_e.I64(full), rows - full);
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
        foreach (var st in code) _e.Emit(st);
        return true;
    }
}
