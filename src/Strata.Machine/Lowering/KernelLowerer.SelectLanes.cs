using Strata.Core;

namespace Strata.Machine.Lowering;

// select on a lane range (a padded window's in-bounds test as a condition, not a load mask).
internal sealed partial class KernelLowerer
{
    /// <summary>Per element type, a one-vector scratch buffer in which <see cref="SelectLanes"/> blends.</summary>
    private readonly Dictionary<DataType, LocalBuffer> _blendBuffers = [];

    /// <summary><c>select(range, x, y)</c> for a lane range <c>from ≤ l &lt; count</c>: x where the range covers every
    /// lane (the interior of an edge split), y where it is known empty; otherwise y stored whole, x stored over the
    /// range, and the vector read back — the Machine IR has no lane-range blend, but range-limited stores it has.
    /// Only edge vectors pay for the round trip (a max pool's <c>select(in bounds, x, -inf)</c> under a block-tail
    /// mask, which the load cannot absorb as its other).</summary>
    private LaneValue SelectLanes(LaneValue range, Reg x, Reg y, DataType t, string hint)
    {
        var count = range.Reg;
        if (range.From is null && _e.Known(count) >= _lanes) return LaneValue.Vector(x);
        if (_e.Known(count) <= 0 || (range.From is { } f && _e.Known(f) >= _lanes)) return LaneValue.Vector(y);
        if (t == DataType.Bool) throw new NotVectorisableException("a select of bools on a lane range");
        if (!_blendBuffers.TryGetValue(t, out var buffer)) _blendBuffers[t] = buffer = _e.NewBuffer("blend", t, _lanes);
        var zero = _e.I64(0);
        _e.Emit(new StoreStmt(buffer.Name, zero, y));
        _e.Emit(new StoreStmt(buffer.Name, zero, x, null, count, range.From));
        return LaneValue.Vector(_e.Load(TypeOf(t, _lanes), buffer.Name, zero, hint: hint));
    }
}
