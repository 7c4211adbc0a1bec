using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv with int8/uint8 operands: the operands minus
/// their zero points as i32 (<c>sub(cast&lt;i32&gt;(%a[m, k]), cast&lt;i32&gt;(%a_zp[m]))</c>), an i32 sum (wrapping, as the
/// reference accumulates), and for the QLinear ops the requantization
/// <c>saturate(round_half_even(acc · (a_scale · b_scale / y_scale)) + y_zp)</c> in f64, the scale ratio rounded to the
/// scales' type as the reference computes it.</summary>
internal static class QuantizedLowerings
{
    private const DataType I32 = DataType.Int32;
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "MatMulInteger", Explained(MatMulInteger));
        registry.AddLowering("", "ConvInteger", Explained(ConvInteger));
        registry.AddLowering("", "QLinearMatMul", Explained(QLinearMatMul));
        registry.AddLowering("", "QLinearConv", Explained(QLinearConv));
    }

    private static bool Is8Bit(DataType t) => t is DataType.Int8 or DataType.UInt8;

    /// <summary>A quantization parameter (zero point or scale) broadcast over <paramref name="shape"/>: one element is per
    /// tensor; a 1-D parameter is per row (<paramref name="perRow"/>, as [M, 1]) or per last dim; others broadcast.
    /// Null when it does not fit.</summary>
    private static TileValue? Parameter(TileValue p, IReadOnlyList<long> shape, bool perRow)
    {
        if (p.Shape.Aggregate(1L, (a, b) => a * b) == 1)
            return Value(p.Type, shape, _ => p.At(p.Shape.Select(_ => Ix(0)).ToArray()));
        var view = perRow && p.Rank == 1 && shape.Count >= 2 ? Value(p.Type, [p.Shape[0], 1], i => p.At(i[0])) : p;
        return BroadcastsTo(view.Shape, shape) ? BroadcastTo(view, shape) : null;
    }

    /// <summary>The operand minus its zero point (if any), as i32.</summary>
    private static TileValue? Centered(TileValue v, TileValue? zeroPoint, bool perRow)
    {
        if (zeroPoint is null) return ContractionLowerings.Map(v, I32, x => To(x, I32));
        if (!Is8Bit(zeroPoint.Type) || Parameter(zeroPoint, v.Shape, perRow) is not { } zp) return null;
        return Value(I32, v.Shape, idx => Sub(To(v.At(idx), I32), To(zp.At(idx), I32)));
    }

    private static TileValue? Optional(TileLoweringContext c, int i) => c.HasInput(i) ? c.Input(i) : null;

    private static IReadOnlyList<TileValue?>? MatMulInteger(TileLoweringContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (!Is8Bit(a.Type) || !Is8Bit(b.Type)) return null;
        if (Centered(a, Optional(c, 2), perRow: true) is not { } ac || Centered(b, Optional(c, 3), perRow: false) is not { } bc) return null;
        return ContractionLowerings.Product(c.Builder, ac, bc) is { } y ? [y] : null;
    }

    /// <summary>X minus its (per-tensor) zero point and W minus its per-tensor or per-output-channel zero point, convolved
    /// in i32; null when the geometry differs from what the integer convolutions compute.</summary>
    private static TileValue? IntegerConv(TileLoweringContext c, TileValue x, TileValue? xZero, TileValue w, TileValue? wZero)
    {
        if (!Is8Bit(x.Type) || !Is8Bit(w.Type) || x.Rank < 3 || w.Rank != x.Rank) return null;
        long group = c.Node.GetInt("group", 1);
        if (group < 1 || x.Shape[1] != w.Shape[1] * group || w.Shape[0] % group != 0) return null;
        var kernel = w.Shape[2..].ToArray();
        if (SlidingWindow.Read(c.Node, x.Shape[2..].ToArray(), kernel) is not { } win || !win.Kernel.SequenceEqual(kernel)) return null;
        // The integer convolutions divide a negative room truncating toward zero, so −stride < room < 0 gives one output
        // position rather than none: leave those to the reference.
        for (int d = 0; d < win.Rank; d++)
        {
            long room = win.Input[d] + win.PadBegin[d] + win.PadEnd[d] - win.Span(d);
            if (win.AutoPad == "NOTSET" && room < 0 && room > -win.Strides[d])
            {
                c.Decline("the window does not fit the input, where the reference still gives one output position");
                return null;
            }
        }
        if (xZero is not null && xZero.Shape.Aggregate(1L, (p, q) => p * q) != 1) return null;
        if (wZero is not null && wZero.Shape.Aggregate(1L, (p, q) => p * q) != 1 && (wZero.Rank != 1 || wZero.Shape[0] != w.Shape[0])) return null;
        if (Centered(x, xZero, perRow: false) is not { } xc) return null;
        TileValue? wc = wZero is null || wZero.Rank != 1 || wZero.Shape[0] == 1
            ? Centered(w, wZero, perRow: false)
            : Is8Bit(wZero.Type) ? Value(I32, w.Shape, idx => Sub(To(w.At(idx), I32), To(wZero.At(idx[0]), I32))) : null;
        return wc is null ? null : ConvolutionLowerings.Direct(c.Builder, xc, wc, win, group);
    }

    private static IReadOnlyList<TileValue?>? ConvInteger(TileLoweringContext c) =>
        IntegerConv(c, c.Input(0), Optional(c, 2), c.Input(1), Optional(c, 3)) is { } y ? [y] : null;

    /// <summary>round_half_even(v), NaN → 0, clamped into the range of 8-bit <paramref name="t"/>.</summary>
    private static Expr Requantize(Expr v, DataType t)
    {
        double lo = t == DataType.Int8 ? sbyte.MinValue : byte.MinValue, hi = t == DataType.Int8 ? sbyte.MaxValue : byte.MaxValue;
        var r = Un(UnaryOp.Round, v);
        var clamped = Min(Max(r, C(lo, F64T)), C(hi, F64T));
        return To(Sel(Un(UnaryOp.IsNaN, r), C(0, F64T), clamped), t);
    }

    /// <summary>The reference's scale ratio: <c>round_s(round_s(a · b) / y)</c> in the scales' type s.</summary>
    private static Expr Ratio(Expr a, Expr b, Expr y, DataType scaleType) =>
        RoundVia(Div(RoundVia(Mul(F64(a), F64(b)), scaleType), F64(y)), scaleType);

    private static IReadOnlyList<TileValue?>? QLinearMatMul(TileLoweringContext c)
    {
        var a = c.Input(0);
        var aScale = c.Input(1);
        var b = c.Input(3);
        var bScale = c.Input(4);
        var yScale = c.Input(6);
        var yZero = Optional(c, 7);
        var outType = yZero?.Type ?? a.Type;
        if (!Is8Bit(a.Type) || !Is8Bit(b.Type) || !Is8Bit(outType) || !IsFloat(aScale.Type)) return null;
        if (Centered(a, Optional(c, 2), perRow: true) is not { } ac || Centered(b, Optional(c, 5), perRow: false) is not { } bc) return null;
        if (ContractionLowerings.Product(c.Builder, ac, bc) is not { } acc) return null;
        var shape = acc.Shape;
        if (Parameter(aScale, shape, perRow: true) is not { } aS || Parameter(bScale, shape, perRow: false) is not { } bS
            || Parameter(yScale, shape, perRow: false) is not { } yS) return null;
        TileValue? yZ = yZero is null ? null : Parameter(yZero, shape, perRow: false);
        if (yZero is not null && yZ is null) return null;
        var scaleType = aScale.Type;
        return [Value(outType, shape, o =>
        {
            var v = Mul(F64(acc.At(o)), Ratio(aS.At(o), bS.At(o), yS.At(o), scaleType));
            if (yZ is not null) v = Add(v, F64(yZ.At(o)));
            return Requantize(v, outType);
        })];
    }

    private static IReadOnlyList<TileValue?>? QLinearConv(TileLoweringContext c)
    {
        var x = c.Input(0);
        var xScale = c.Input(1);
        var w = c.Input(3);
        var wScale = c.Input(4);
        var yScale = c.Input(6);
        var yZero = Optional(c, 7);
        var bias = Optional(c, 8);
        var outType = yZero?.Type ?? x.Type;
        if (!Is8Bit(outType) || !IsFloat(xScale.Type)) return null;
        long Size(TileValue v) => v.Shape.Aggregate(1L, (p, q) => p * q);
        if (Size(xScale) != 1 || Size(yScale) != 1 || (yZero is not null && Size(yZero) != 1)) return null;
        if (Size(wScale) != 1 && (wScale.Rank != 1 || wScale.Shape[0] != w.Shape[0])) return null;
        if (bias is not null && (!bias.Type.IsInteger() || bias.Rank != 1 || bias.Shape[0] != w.Shape[0])) return null;
        if (IntegerConv(c, x, Optional(c, 2), w, Optional(c, 5)) is not { } acc) return null;
        Expr Scalar(TileValue v) => F64(v.At(v.Shape.Select(_ => Ix(0)).ToArray()));
        var scaleType = xScale.Type;
        return [Value(outType, acc.Shape, o =>
        {
            var sum = bias is null ? acc.At(o) : Add(acc.At(o), To(bias.At(o[1]), I32));
            var ws = Size(wScale) == 1 ? Scalar(wScale) : F64(wScale.At(o[1]));
            var v = Mul(F64(sum), Ratio(Scalar(xScale), ws, Scalar(yScale), scaleType));
            if (yZero is not null) v = Add(v, Scalar(yZero));
            return Requantize(v, outType);
        })];
    }
}
