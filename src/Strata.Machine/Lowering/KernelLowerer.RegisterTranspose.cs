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
    /// stores only its columns. Returns false (nothing emitted) where the store does not have that form.</summary>
    private bool TryTransposedStore(StoreOp s, LocalScratch local, ImmutableArray<int> shape, DataType t)
    {
        if (!_options.RegisterTranspose || !_options.Vectorize || !_buffers.ContainsKey(s.Value.Name) || _columnMajor.Contains(s.Value.Name)) return false;
        int lanes = _target.Lanes(t);
        if (lanes < 2) return false;
        var wide = Enumerable.Range(0, shape.Length).Where(d => shape[d] > 1).ToArray();
        if (wide is not [var dr, var dc] || dc != shape.Length - 1) return false;
        int rows = shape[dr], columns = shape[dc];
        var valueShape = s.Value.Type.Shape;
        // The value is row-major in its buffer: contiguous along the last dim when that dim is the store's columns.
        if (valueShape.Length == 0 || valueShape[^1] != columns) return false;
        var zero = _e.I64(0);
        LaneValue[] At(LaneValue r, LaneValue c)
        {
            var idx = new LaneValue[shape.Length];
            for (int d = 0; d < idx.Length; d++) idx[d] = LaneValue.Uniform(zero);
            idx[dr] = r;
            idx[dc] = c;
            return idx;
        }
        var saved = (_lanes, _tailCount);
        ImmutableArray<MStmt> code;
        try
        {
            _lanes = lanes;
            _tailCount = null;
            // The local buffer must be contiguous along the rows (what makes the transposed columns whole vectors).
            long rowStride = 0;
            _e.Collect(() => rowStride = LocalScratchAddress(local, s.Indices, shape, At(LaneValue.Affine(zero, 1), LaneValue.Uniform(zero))).LinearStride);
            if (rowStride != 1) return false;
            var none = _e.Const(ScalarSemantics.Normalize(default, t), MType.Vector(t, lanes));
            void Block(Reg r0, int liveRows, Reg c0, int liveColumns)
            {
                _tailCount = liveColumns < lanes ? _e.I64(liveColumns) : null;
                var regs = new Reg[lanes];
                for (int i = 0; i < lanes; i++)
                    regs[i] = i >= liveRows ? none
                        : VectorOf(Element(s.Value, BroadcastIndex(valueShape, shape, At(LaneValue.Uniform(_e.Add(r0, _e.I64(i))), LaneValue.Affine(c0, 1)))), t);
                var cols = TransposeNetwork.Emit(regs, (hint, type) => _e.NewReg(hint, type), _e.Emit, none);
                _tailCount = liveRows < lanes ? _e.I64(liveRows) : null;
                for (int j = 0; j < liveColumns; j++)
                    Write(local.Buffer, t, LocalScratchAddress(local, s.Indices, shape, At(LaneValue.Affine(r0, 1), LaneValue.Uniform(_e.Add(c0, _e.I64(j))))),
                        LaneValue.Vector(cols[j]), null);
            }
            void RowBlock(Reg r0, int liveRows)
            {
                int full = columns / lanes * lanes;
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
