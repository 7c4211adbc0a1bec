using CsCheck;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>fma rounds once, like the hardware instruction, and differs from mul then add.</summary>
public class FmaTests
{
    private static double Fma32(float a, float b, float c, bool fused = true)
    {
        var ra = R("a", "v8f32"); var rb = R("b", "v8f32"); var rc = R("c", "v8f32"); var r = R("r", "v8f32"); var p = R("p", "v8f32");
        var one = R("one", "i64"); var two = R("two", "i64");
        MStmt[] compute = fused ? [new FmaStmt(r, ra, rb, rc)] : [new BinaryStmt(p, BinaryOp.Mul, ra, rb), new BinaryStmt(r, BinaryOp.Add, p, rc)];
        var lanes = Eval.Lanes([.. Enumerable.Repeat(a, 8), .. Enumerable.Repeat(b, 8), .. Enumerable.Repeat(c, 8)], r,
        [
            Const(one, 8), Const(two, 16),
            new LoadStmt(ra, "x", Eval.Zero), new LoadStmt(rb, "x", one), new LoadStmt(rc, "x", two), .. compute,
        ]);
        Assert.All(lanes, v => Assert.Equal(lanes[0], v));
        return lanes[0];
    }

    [Fact]
    public void FmaRoundsOnceWhereMulThenAddRoundsTwice()
    {
        float a = 1 + MathF.Pow(2, -12); // a·a = 1 + 2^-11 + 2^-24 needs 25 bits
        Assert.Equal(Math.Pow(2, -11) + Math.Pow(2, -24), Fma32(a, a, -1));
        Assert.Equal(Math.Pow(2, -11), Fma32(a, a, -1, fused: false));
        Assert.Equal(MathF.FusedMultiplyAdd(a, a, -1), (float)Fma32(a, a, -1));
    }

    [Fact]
    public void FmaOnF32IsCorrectlyRoundedEvenWhereADoubleWouldRoundTwice()
    {
        // a·a + c = (1 + 2^-11 + 2^-24) + 2^-80 lies just above an f32 midpoint; rounded to double first it lands on the
        // midpoint and would then round to even (down). One rounding gives the value above.
        float a = 1 + MathF.Pow(2, -12);
        float c = MathF.Pow(2, -80);
        double twice = (float)Math.FusedMultiplyAdd(a, a, c);
        double once = 1 + Math.Pow(2, -11) + Math.Pow(2, -23);
        Assert.NotEqual(once, twice);
        Assert.Equal(once, Fma32(a, a, c));
        Assert.Equal(MathF.FusedMultiplyAdd(a, a, c), (float)Fma32(a, a, c));
        Assert.Equal(MathF.FusedMultiplyAdd(a, a, -c), (float)Fma32(a, a, -c));
    }

    [Fact]
    public void FmaOnF32AgreesWithTheHardwareInstructionOnRandomValues()
    {
        var f = Gen.Single.Where(float.IsFinite);
        Gen.Select(f, f, f).Sample(t =>
        {
            var (a, b, c) = t;
            float expected = MathF.FusedMultiplyAdd(a, b, c);
            float actual = (float)Fma32(a, b, c);
            Assert.True(expected.Equals(actual), $"fma({a:R}, {b:R}, {c:R}) = {expected:R}, interpreter {actual:R}");
        }, iter: 300);
    }

    [Fact]
    public void FmaOnF64IsMathFusedMultiplyAdd()
    {
        var a = R("a", "f64"); var b = R("b", "f64"); var c = R("c", "f64"); var r = R("r", "f64");
        double x = 1 + Math.Pow(2, -30);
        Assert.Equal([Math.FusedMultiplyAdd(x, x, -1)], Eval.Lanes(r, ConstF(a, x), ConstF(b, x), ConstF(c, -1), new FmaStmt(r, a, b, c)));
        Assert.NotEqual(x * x - 1, Math.FusedMultiplyAdd(x, x, -1));
    }
}
