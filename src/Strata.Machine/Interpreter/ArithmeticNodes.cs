using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

// Lane-wise register operations. A destination may be one of the operands (%z = fma %a, %b, %z): each lane is read
// before it is written, so that is safe.

internal sealed class ConstNode(MStmt s, Slot d, Scalar value) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.R.AsSpan(d.Offset, d.Lanes).Fill(value);
        f.Assigned[d.Index] = true;
    }
}

internal sealed class ProgramIdNode(MStmt s, Slot d, int axis) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.R.AsSpan(d.Offset, d.Lanes).Fill(ScalarSemantics.Normalize(Scalar.Int(f.Pid[axis]), d.Element));
        f.Assigned[d.Index] = true;
    }
}

internal sealed class MoveNode(MStmt s, Slot d, Slot x) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(x, Stmt);
        Array.Copy(f.R, x.Offset, f.R, d.Offset, d.Lanes);
        f.Assigned[d.Index] = true;
    }
}

internal sealed class UnaryNode(MStmt s, Slot d, UnaryOp op, Slot x) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(x, Stmt);
        var r = f.R;
        var t = x.Element;
        for (int l = 0; l < d.Lanes; l++) r[d.Offset + l] = ScalarSemantics.Unary(op, t, r[x.Offset + l]);
        f.Assigned[d.Index] = true;
    }
}

internal sealed class BinaryNode(MStmt s, Slot d, BinaryOp op, Slot a, Slot b) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(a, Stmt);
        f.Read(b, Stmt);
        var r = f.R;
        var t = a.Element;
        for (int l = 0; l < d.Lanes; l++) r[d.Offset + l] = ScalarSemantics.Binary(op, t, r[a.Offset + l], r[b.Offset + l]);
        f.Assigned[d.Index] = true;
    }
}

/// <summary>The common case of index arithmetic (scalar i64 add/sub/mul/min/max) without the general dispatch of
/// <see cref="ScalarSemantics.Binary"/>; i64 arithmetic wraps, which is what these C# operators do.</summary>
internal sealed class IndexBinaryNode(MStmt s, Slot d, BinaryOp op, Slot a, Slot b) : Node(s)
{
    public static bool Applies(BinaryOp op, Slot d, Slot a) => d.Lanes == 1 && a.Element == DataType.Int64 && d.Element == DataType.Int64
        && op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Min or BinaryOp.Max;

    public override void Exec(Frame f)
    {
        f.Read(a, Stmt);
        f.Read(b, Stmt);
        long x = f.R[a.Offset].I, y = f.R[b.Offset].I;
        f.R[d.Offset] = Scalar.Int(op switch
        {
            BinaryOp.Add => unchecked(x + y),
            BinaryOp.Sub => unchecked(x - y),
            BinaryOp.Mul => unchecked(x * y),
            BinaryOp.Min => Math.Min(x, y),
            _ => Math.Max(x, y),
        });
        f.Assigned[d.Index] = true;
    }
}

/// <summary>a·b + c rounded once to the element type, as a hardware FMA does. For f64 that is
/// <see cref="Math.FusedMultiplyAdd"/>. For the narrower float types a·b is exact in a double, so the exact sum is
/// s + e with s = fl64(a·b + c) and e its error (TwoSum); rounding s to odd where e ≠ 0 and then to the element
/// type gives the correctly rounded result (no double rounding: a double has more than 2 extra bits).</summary>
internal sealed class FmaNode(MStmt s, Slot d, Slot a, Slot b, Slot c) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(a, Stmt);
        f.Read(b, Stmt);
        f.Read(c, Stmt);
        var r = f.R;
        var t = d.Element;
        for (int l = 0; l < d.Lanes; l++)
            r[d.Offset + l] = Scalar.Float(Fma(r[a.Offset + l].F, r[b.Offset + l].F, r[c.Offset + l].F, t));
        f.Assigned[d.Index] = true;
    }

    public static double Fma(double a, double b, double c, DataType t)
    {
        if (t == DataType.Float64) return Math.FusedMultiplyAdd(a, b, c);
        double p = a * b; // exact for f32/f16/bf16 operands
        double sum = p + c;
        if (double.IsFinite(sum))
        {
            double bv = sum - p;
            double err = (p - (sum - bv)) + (c - bv);
            if (err != 0 && (BitConverter.DoubleToInt64Bits(sum) & 1) == 0)
                sum = err > 0 ? Math.BitIncrement(sum) : Math.BitDecrement(sum); // the odd neighbour toward the exact value
        }
        return ScalarSemantics.RoundFloat(sum, t);
    }
}

internal sealed class SelectNode(MStmt s, Slot d, Slot cond, Slot x, Slot y) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(cond, Stmt);
        f.Read(x, Stmt);
        f.Read(y, Stmt);
        var r = f.R;
        for (int l = 0; l < d.Lanes; l++) r[d.Offset + l] = r[cond.Offset + l].AsBool ? r[x.Offset + l] : r[y.Offset + l];
        f.Assigned[d.Index] = true;
    }
}

internal sealed class CastNode(MStmt s, Slot d, Slot x) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(x, Stmt);
        var r = f.R;
        for (int l = 0; l < d.Lanes; l++) r[d.Offset + l] = ScalarSemantics.Cast(r[x.Offset + l], x.Element, d.Element);
        f.Assigned[d.Index] = true;
    }
}

internal sealed class BroadcastNode(MStmt s, Slot d, Slot x) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(x, Stmt);
        f.R.AsSpan(d.Offset, d.Lanes).Fill(f.R[x.Offset]);
        f.Assigned[d.Index] = true;
    }
}

/// <summary><c>shuffle</c>: lane l of the result is lane <c>lanes[l]</c> of a ++ b (read before any lane is written:
/// the result may be one of the operands).</summary>
internal sealed class ShuffleNode(MStmt s, Slot d, Slot a, Slot b, int[] lanes) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(a, Stmt);
        f.Read(b, Stmt);
        var r = f.R;
        Span<Scalar> picked = lanes.Length <= 64 ? stackalloc Scalar[lanes.Length] : new Scalar[lanes.Length];
        for (int l = 0; l < lanes.Length; l++)
            picked[l] = lanes[l] < a.Lanes ? r[a.Offset + lanes[l]] : r[b.Offset + lanes[l] - a.Lanes];
        picked.CopyTo(r.AsSpan(d.Offset, d.Lanes));
        f.Assigned[d.Index] = true;
    }
}

/// <summary>The tree order of <c>reduce_lanes</c>: with n lanes left, lane i (i &lt; n − h, h = ⌈n/2⌉) is combined
/// with lane i + h by <see cref="ScalarSemantics.ReduceStep"/>, then n = h, until one lane is left (for the
/// power-of-two lane counts of vectors: lane i with lane i + n/2, as registers fold their upper half onto the lower).
/// No identity element: a one-lane reduction is that lane.</summary>
internal sealed class ReduceLanesNode(MStmt s, Slot d, ReduceOp op, Slot x) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(x, Stmt);
        var r = f.R;
        Span<Scalar> lanes = x.Lanes <= 64 ? stackalloc Scalar[x.Lanes] : new Scalar[x.Lanes];
        r.AsSpan(x.Offset, x.Lanes).CopyTo(lanes);
        for (int n = lanes.Length; n > 1;)
        {
            int h = (n + 1) / 2;
            for (int i = 0; i < n - h; i++) lanes[i] = ScalarSemantics.ReduceStep(op, x.Element, lanes[i], lanes[i + h]);
            n = h;
        }
        var acc = lanes[0];
        r[d.Offset] = acc;
        f.Assigned[d.Index] = true;
    }
}
