using Strata.Core;

namespace Strata.Tile;

/// <summary>Where an operand reads an output axis only group-wise, as <c>floordiv(axis, q)</c> (a grouped convolution's
/// input channel <c>floordiv(co, Cout/g)·(Cin/g) + ci</c>), the operand is the same over any block of the axis whose
/// size divides q and that starts at a multiple of that size (blocks start at multiples of their size): over such
/// a block the operand does not read the axis, and the axis can be the dot's M (or N) although both operands name it.</summary>
public static class GroupWidth
{
    /// <summary>The largest q such that <paramref name="operand"/> reads <paramref name="axis"/> only as
    /// <c>floordiv(axis, c)</c> with c a multiple of q (the gcd of the divisors), or null where it reads the axis
    /// otherwise or not at all.</summary>
    public static long? Of(Expr operand, string axis)
    {
        long q = 0;
        return Walk(operand, axis, ref q) && q > 0 ? q : null;
    }

    /// <summary>Whether an output axis with block <paramref name="block"/> (> 1) is uniform over each block in
    /// <paramref name="operand"/>.</summary>
    public static bool IsUniform(Expr operand, string axis, long block) => block > 1 && Of(operand, axis) is { } q && q % block == 0;

    private static bool Walk(Expr e, string axis, ref long q)
    {
        switch (e)
        {
            case Binary { Op: BinaryOp.FloorDiv, A: IndexVar v, B: Constant { ConstantType: DataType.Int64 } c } when v.Name == axis && c.Value.I > 0:
                q = Gcd(q, c.Value.I);
                return true;
            case IndexVar v:
                return v.Name != axis;
            case Constant:
                return true;
            case Load l:
                foreach (var i in l.Indices)
                    if (!Walk(i, axis, ref q)) return false;
                return true;
            case Unary u:
                return Walk(u.X, axis, ref q);
            case Binary b:
                return Walk(b.A, axis, ref q) && Walk(b.B, axis, ref q);
            case Select s:
                return Walk(s.Condition, axis, ref q) && Walk(s.IfTrue, axis, ref q) && Walk(s.IfFalse, axis, ref q);
            case Cast c:
                return Walk(c.X, axis, ref q);
            default:
                return false;
        }
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
