using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// add(x, mul(a, b)) of vector floats as one fma: a windowed sum of products (a depthwise conv's taps) is a chain of
// them, and mul + add costs two instructions and two roundings per tap.
internal sealed partial class KernelLowerer
{
    /// <summary><c>x + a·b</c> as <c>fma(a, b, x)</c> when <paramref name="y"/> is the vector product just computed
    /// inline for this use only (B is an inline mul, so its register has no other reader) and the target has FMA;
    /// null otherwise (nothing emitted).</summary>
    private LaneValue? FusedMulAdd(BinaryBlockOp add, LaneValue x, LaneValue y, string hint)
    {
        var t = add.A.Type.Element;
        if (!_options.FuseMulAdd || !_target.HasFma || add.Op != BinaryOp.Add || _lanes == 1 || t is not (DataType.Float32 or DataType.Float64)
            || y.Kind != LaneKind.Vector || _tileValues.ContainsKey(add.B.Name) || _plan.Mode(add.B) != ValueMode.Inline
            || _plan.Def(add.B) is not BinaryBlockOp { Op: BinaryOp.Mul })
            return null;
        if (_e.TakeLast() is not { } last) return null;
        if (last is not BinaryStmt { Op: BinaryOp.Mul } mul || mul.Target != y.Reg)
        {
            _e.Emit(last);
            return null;
        }
        var acc = VectorOf(x, t);
        var d = _e.NewReg(hint, acc.Type);
        _e.Emit(new FmaStmt(d, mul.A, mul.B, acc));
        return LaneValue.Vector(d);
    }
}
