using Strata.Core;

namespace Strata.Machine.Lowering;

// select on a lane range (a padded window's in-bounds test as a condition, not a load mask).
internal sealed partial class KernelLowerer
{
    /// <summary>Per element type, a one-vector scratch buffer in which <see cref="SelectLanes"/> blends.</summary>
    private readonly Dictionary<DataType, LocalBuffer> _blendBuffers = [];

    /// <summary>Blends of constants (or of such blends) over constant lane ranges, computed once in the prologue (see
    /// <see cref="SelectLanes"/>).</summary>
    private readonly Dictionary<(string X, string Y, long From, long Count), Reg> _constantBlends = [];

    /// <summary><c>select(range, x, y)</c> for a lane range <c>from ≤ l &lt; count</c>: x where the range covers every
    /// lane (the interior of an edge split), y where it is known empty; otherwise y stored whole, x stored over the
    /// range, and the vector read back — the Machine IR has no lane-range blend, but range-limited stores it has.
    /// Only edge vectors pay for the round trip (a max pool's <c>select(in bounds, x, -inf)</c> under a block-tail
    /// mask, which the load cannot absorb as its other). When x, y and the range are constants (an average pool's
    /// divisor at the first and last vector of a row: 2 at the padded edge lane, 3 elsewhere) the blend is done once,
    /// in the prologue, and each use is its register: the round trip in the row loop is a masked store that the
    /// following full load cannot forward from, a stall on every row.</summary>
    private LaneValue SelectLanes(LaneValue range, Reg x, Reg y, DataType t, string hint)
    {
        var count = range.Reg;
        if (range.From is null && _e.Known(count) >= _lanes) return LaneValue.Vector(x);
        if (_e.Known(count) <= 0 || (range.From is { } f && _e.Known(f) >= _lanes)) return LaneValue.Vector(y);
        if (t == DataType.Bool) throw new NotVectorisableException("a select of bools on a lane range");
        if (!_blendBuffers.TryGetValue(t, out var buffer)) _blendBuffers[t] = buffer = _e.NewBuffer("blend", t, _lanes);
        var zero = _e.I64(0);
        if (IsPrologueValue(x) && IsPrologueValue(y) && _e.Known(count) is { } n
            && (range.From is null || _e.Known(range.From) is not null))
        {
            long from = range.From is null ? 0 : _e.Known(range.From)!.Value;
            var key = (x.Name, y.Name, from, n);
            if (!_constantBlends.TryGetValue(key, out var blended))
            {
                blended = _e.NewReg(hint, TypeOf(t, _lanes));
                _e.EmitInPrologue(new StoreStmt(buffer.Name, zero, y));
                _e.EmitInPrologue(new StoreStmt(buffer.Name, zero, x, null, count, range.From));
                _e.EmitInPrologue(new LoadStmt(blended, buffer.Name, zero));
                _constantBlends[key] = blended;
            }
            return LaneValue.Vector(blended);
        }
        _e.Emit(new StoreStmt(buffer.Name, zero, y));
        _e.Emit(new StoreStmt(buffer.Name, zero, x, null, count, range.From));
        return LaneValue.Vector(_e.Load(TypeOf(t, _lanes), buffer.Name, zero, hint: hint));
    }

    /// <summary>A pooled constant or a blend made in the prologue: nested selects (<c>select(o &lt; 1, 2, select(o &lt; 13,
    /// 3, 2))</c> on one vector) blend the inner blend again.</summary>
    private bool IsPrologueValue(Reg r) => _e.ConstantOf(r) is not null || _constantBlends.ContainsValue(r);
}
