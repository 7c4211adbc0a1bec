using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>QuantizeLinear and DequantizeLinear between the types the scalar levels compute (int8, uint8, int16,
/// uint16, int32 and float types; int4, float8… fall back), per tensor, per axis or blocked, as the reference
/// (Strata.Graph/Ops/Cast) computes: in double, the quotient rounded to the <c>precision</c> type, then half to
/// even, plus the zero point, saturated into the integer type (NaN gives 0) — a saturating cast from double does
/// exactly that.</summary>
internal static class QuantizationLowerings
{
    private const DataType F64 = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        PointwiseLowerings.Add(registry, "QuantizeLinear", Quantize);
        PointwiseLowerings.Add(registry, "DequantizeLinear", Dequantize);
    }

    private static TileValue? Quantize(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, scale) = (c.Input(0), c.Input(1));
        var zero = Lowering.Has(c, 2) ? c.HasInput(2) ? c.Input(2) : null : null;
        if (Lowering.Has(c, 2) && zero is null) return null;
        var attr = (DataType)c.Node.GetInt("output_dtype", 0);
        var type = zero?.Type ?? (attr != DataType.Undefined ? attr : DataType.UInt8);
        if (type is not (DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16)) return null;
        if (!ScalarSemantics.IsFloat(x.Type) && !x.Type.IsInteger() || !ScalarSemantics.IsFloat(scale.Type)) return null;
        var precision = (DataType)c.Node.GetInt("precision", 0);
        if (precision == DataType.Undefined) precision = scale.Type;
        if (!ScalarSemantics.IsSupported(precision)) return null;
        if (Parameter(x, scale, c) is not { } s) return null;
        Func<IReadOnlyList<Expr>, Expr>? z = zero is null ? null : Parameter(x, zero, c);
        if (zero is not null && (z is null || zero.Shape.Aggregate(1L, (p, d) => p * d) != scale.Shape.Aggregate(1L, (p, d) => p * d))) return null;
        return new TileValue(type, x.Shape, idx =>
        {
            Expr q = new Binary(BinaryOp.Div, CastTo(x.At(idx), F64), CastTo(s(idx), F64));
            if (ScalarSemantics.IsFloat(precision) && precision != F64) q = CastTo(CastTo(q, precision), F64);
            Expr v = new Unary(UnaryOp.Round, q);
            if (z is not null) v = new Binary(BinaryOp.Add, v, CastTo(z(idx), F64));
            return CastTo(v, type);
        });
    }

    private static TileValue? Dequantize(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        var (x, scale) = (c.Input(0), c.Input(1));
        var zero = Lowering.Has(c, 2) ? c.HasInput(2) ? c.Input(2) : null : null;
        if (Lowering.Has(c, 2) && zero is null) return null;
        var attr = (DataType)c.Node.GetInt("output_dtype", 0);
        var type = attr != DataType.Undefined ? attr : scale.Type;
        if (!ScalarSemantics.IsFloat(type) || !ScalarSemantics.IsFloat(scale.Type)) return null;
        if (Parameter(x, scale, c) is not { } s) return null;
        Func<IReadOnlyList<Expr>, Expr>? z = zero is null ? null : Parameter(x, zero, c);
        if (zero is not null && (z is null || zero.Shape.Aggregate(1L, (p, d) => p * d) != scale.Shape.Aggregate(1L, (p, d) => p * d))) return null;
        return new TileValue(type, x.Shape, idx =>
        {
            Expr v = CastTo(x.At(idx), F64);
            if (z is not null) v = new Binary(BinaryOp.Sub, v, CastTo(z(idx), F64));
            return CastTo(new Binary(BinaryOp.Mul, v, CastTo(s(idx), F64)), type);
        });
    }

    /// <summary>How an element of <paramref name="x"/> at given indices reads a scale or zero point: one element for
    /// all (per tensor), the element of dim <c>axis</c> (per axis), or the block of dim <c>axis</c> (blocked).</summary>
    private static Func<IReadOnlyList<Expr>, Expr>? Parameter(TileValue x, TileValue p, TileLoweringContext c)
    {
        if (p.Shape.Aggregate(1L, (a, d) => a * d) == 1) return _ => Single(p);
        if (x.Rank == 0 || Lowering.Axis(c.Node.GetInt("axis", 1), x.Rank) is not { } axis) return null;
        long blockSize = c.Node.GetInt("block_size", 0);
        if (blockSize <= 0)
            return p.Rank == 1 && p.Shape[0] == x.Shape[axis] ? idx => p.At(idx[axis]) : null;
        if (p.Rank != x.Rank || Enumerable.Range(0, x.Rank).Any(d => d != axis && p.Shape[d] != x.Shape[d])
            || (x.Shape[axis] + blockSize - 1) / blockSize != p.Shape[axis]) return null;
        return idx =>
        {
            var facts = IndexSimplifier.Facts(idx, x.Shape);
            return p.At(idx.Select((e, d) => d == axis ? IndexSimplifier.Simplify(new Binary(BinaryOp.FloorDiv, e, Expr.Index(blockSize)), facts) : e).ToArray());
        };
    }
}
