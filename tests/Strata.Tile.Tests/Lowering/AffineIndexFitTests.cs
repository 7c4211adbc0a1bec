using CsCheck;
using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Lowering;

/// <summary><see cref="AffineIndexFit"/>: index expressions of one position, written in doubles as a resize writes
/// them, become the affine floor division that takes their values at every position, or stay as they are.</summary>
public sealed class AffineIndexFitTests
{
    private static readonly Expr Y = Expr.Var("y");
    private static Expr F(double v) => new Constant(Scalar.Float(v), DataType.Float64);
    private static Expr B(BinaryOp op, Expr a, Expr b) => new Binary(op, a, b);
    private static Expr Clamp(Expr i, long n) => B(BinaryOp.Min, B(BinaryOp.Max, i, Expr.Index(0)), Expr.Index(n - 1));

    /// <summary>A nearest resize's source index of output position y: round(coord) per mode, clamped to the input.</summary>
    private static Expr Nearest(Func<Expr, Expr> coord, bool preferFloor, long inLen)
    {
        var c = coord(new Cast(Y, DataType.Float64));
        var rounded = preferFloor ? new Unary(UnaryOp.Ceil, B(BinaryOp.Sub, c, F(0.5))) : new Unary(UnaryOp.Floor, c);
        return Clamp(new Cast(rounded, DataType.Int64), inLen);
    }

    private static string? Fit(Expr e, long extent) => AffineIndexFit.Fit(e, "y", extent, Y) is { } f ? TilePrinter.PrintExpr(f) : null;

    [Fact]
    public void A_resize_by_an_integer_factor_reads_a_floor_division()
    {
        // half_pixel, round_prefer_floor, 2×: ceil((y + 0.5) / 2 − 0.5 − 0.5).
        Assert.Equal("floordiv(y, 2)", Fit(Nearest(c => B(BinaryOp.Sub, B(BinaryOp.Div, B(BinaryOp.Add, c, F(0.5)), F(2)), F(0.5)), true, 40), 80));
        // asymmetric, floor, 3×: floor(y / 3).
        Assert.Equal("floordiv(y, 3)", Fit(Nearest(c => B(BinaryOp.Div, c, F(3)), false, 7), 21));
        // half_pixel, round_prefer_floor, ½: ceil((y + 0.5) · 2 − 0.5 − 0.5) = 2y.
        Assert.Equal("mul(y, 2)", Fit(Nearest(c => B(BinaryOp.Sub, B(BinaryOp.Mul, B(BinaryOp.Add, c, F(0.5)), F(2)), F(0.5)), true, 80), 40));
        // asymmetric, floor, 4 → 6 positions: floor(y / 1.5) = floordiv(2y, 3).
        Assert.Equal("floordiv(mul(y, 2), 3)", Fit(Nearest(c => B(BinaryOp.Div, c, F(1.5)), false, 4), 6));
        // One position: a constant.
        Assert.Equal("0", Fit(Nearest(c => B(BinaryOp.Div, c, F(2)), false, 1), 1));
    }

    [Fact]
    public void Indices_of_no_affine_form_or_of_other_values_stay()
    {
        // Linear's lower neighbour at half_pixel 2× of 40: floor(y / 2 − 0.25) clamped at 0 is 0, 0, 0, 1, 1, 2, … 39:
        // no one form with a divisor up to 16 (over 16 positions floordiv(7y, 15) is one).
        Assert.Null(Fit(Nearest(c => B(BinaryOp.Sub, B(BinaryOp.Div, c, F(2)), F(0.25)), false, 40), 80));
        Assert.Null(Fit(B(BinaryOp.Mul, Y, Y), 10));
        Assert.Null(Fit(B(BinaryOp.Add, Y, Expr.Var("x")), 10));
        Assert.Null(Fit(new Load("t", [Y], DataType.Int64), 10));
        Assert.Null(Fit(new Cast(B(BinaryOp.Div, new Cast(Y, DataType.Float64), F(2)), DataType.Float64), 10));
    }

    [Fact]
    public void Every_affine_floor_division_written_in_doubles_is_found_with_its_values() =>
        Gen.Select(Gen.Long[0, 5], Gen.Long[0, 40], Gen.Long[1, 16], Gen.Long[0, 300]).Sample((a, b, d, more) =>
        {
            long extent = d + 1 + more;
            // floor((a·y + b) / d) in doubles, as a resize writes its coordinates.
            var e = new Cast(new Unary(UnaryOp.Floor, B(BinaryOp.Div, B(BinaryOp.Add, B(BinaryOp.Mul, new Cast(Y, DataType.Float64), F(a)), F(b)), F(d))), DataType.Int64);
            var fit = AffineIndexFit.Fit(e, "y", extent, Y);
            Assert.NotNull(fit);
            Assert.Equal(AffineIndexFit.Values(e, "y", extent), AffineIndexFit.Values(fit, "y", extent));
            Assert.DoesNotContain("cast", TilePrinter.PrintExpr(fit));
        });
}
