using CsCheck;
using Strata.Core;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Every statement kind against hand-computed results.</summary>
public class StatementTests
{
    [Fact]
    public void ConstSplatsAndRoundsToTheElementType()
    {
        var v = R("v", "v4f32");
        Assert.Equal(Enumerable.Repeat((double)(float)0.1, 4), Eval.Lanes(v, ConstF(v, 0.1)));
        var i = R("i", "v4i32");
        Assert.Equal(Enumerable.Repeat((double)int.MinValue, 4), Eval.Lanes(i, Const(i, 1L << 31)));
    }

    [Fact]
    public void ProgramIdGivesEachInstanceItsGridCoordinates()
    {
        // out[p0, p1] = 10 * p0 + p1 on a 3 x 4 grid.
        var p0 = R("p0", "i64"); var p1 = R("p1", "i64"); var c10 = R("c10", "i64"); var c4 = R("c4", "i64");
        var t = R("t", "i64"); var v = R("v", "i64"); var row = R("row", "i64"); var ix = R("ix", "i64");
        var k = Kernel([Out("out", I64, 3, 4)], [3, 4],
            new ProgramIdStmt(p0, 0), new ProgramIdStmt(p1, 1), Const(c10, 10), Const(c4, 4),
            new BinaryStmt(t, BinaryOp.Mul, p0, c10), new BinaryStmt(v, BinaryOp.Add, t, p1),
            new BinaryStmt(row, BinaryOp.Mul, p0, c4), new BinaryStmt(ix, BinaryOp.Add, row, p1),
            new StoreStmt("out", ix, v));
        Assert.Equal([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], MachineInterpreter.Call(k, [])[0].As<long>().ToArray());
    }

    [Fact]
    public void MoveCopiesAndRegistersAreMutable()
    {
        var a = R("a", "f64"); var b = R("b", "f64");
        Assert.Equal([2.5], Eval.Lanes(b, ConstF(a, 2.5), new MoveStmt(b, a), ConstF(a, 7)));
        Assert.Equal([7.0], Eval.Lanes(a, ConstF(a, 2.5), new MoveStmt(b, a), ConstF(a, 7)));
    }

    [Fact]
    public void UnaryAndBinaryWorkLaneByLane()
    {
        float[] x = [4, -1, 0.25f, 9, 2, -8, 1e-3f, 100];
        float[] y = [1, 2, 3, 4, 5, 6, 7, 8];
        var a = R("a", "v8f32"); var b = R("b", "v8f32"); var r = R("r", "v8f32"); var eight = R("eight", "i64");
        MStmt[] load = [new LoadStmt(a, "x", Eval.Zero), Const(eight, 8), new LoadStmt(b, "x", eight)];
        Assert.Equal(x.Select(v => (double)MathF.Abs(v)), Eval.Lanes([.. x, .. y], r, [.. load, new UnaryStmt(r, UnaryOp.Abs, a)]));
        Assert.Equal(x.Zip(y, (u, v) => (double)(u / v)), Eval.Lanes([.. x, .. y], r, [.. load, new BinaryStmt(r, BinaryOp.Div, a, b)]));
        Assert.Equal(x.Zip(y, (u, v) => (double)MathF.Max(u, v)), Eval.Lanes([.. x, .. y], r, [.. load, new BinaryStmt(r, BinaryOp.Max, a, b)]));
        // Rounded to f32 after the op: exp(1) is the f32 nearest e, not the double.
        var e = R("e", "f32"); var one = R("one", "f32");
        Assert.Equal([(double)(float)Math.E], Eval.Lanes(e, ConstF(one, 1), new UnaryStmt(e, UnaryOp.Exp, one)));
        // Integer arithmetic wraps to the element width.
        var big = R("big", "i32"); var sum = R("sum", "i32");
        Assert.Equal([(double)int.MinValue], Eval.Lanes(sum, Const(big, int.MaxValue), Const(sum, 1), new BinaryStmt(sum, BinaryOp.Add, big, sum)));
    }

    [Fact]
    public void IndexArithmeticAgreesWithScalarSemanticsIncludingOverflow()
    {
        // Scalar i64 add/sub/mul/min/max take a fast path in the interpreter; it must mean what ScalarSemantics means.
        var big = Gen.OneOf(Gen.Long, Gen.Long[-5, 5], Gen.Const(long.MaxValue), Gen.Const(long.MinValue));
        Gen.Select(big, big).Sample(t =>
        {
            var (x, y) = t;
            foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Min, BinaryOp.Max, BinaryOp.FloorDiv, BinaryOp.Lt })
            {
                var a = R("a", "i64"); var b = R("b", "i64"); var r = R("r", op == BinaryOp.Lt ? "bool" : "i64");
                var k = Kernel([Out("out", op == BinaryOp.Lt ? DataType.Bool : I64, 1)], [1],
                    Const(a, x), Const(b, y), new BinaryStmt(r, op, a, b), Const(a, 0), new StoreStmt("out", a, r));
                var expected = ScalarSemantics.Binary(op, I64, Scalar.Int(x), Scalar.Int(y)).I;
                var got = MachineInterpreter.Call(k, [])[0];
                Assert.Equal(expected, op == BinaryOp.Lt ? (got.As<bool>()[0] ? 1 : 0) : got.As<long>()[0]);
            }
        }, iter: 200);
    }

    [Theory]
    [InlineData(ReduceOp.Sum, 4.0)]
    [InlineData(ReduceOp.Prod, -24.0)]
    [InlineData(ReduceOp.Max, 4.0)]
    [InlineData(ReduceOp.Min, -3.0)]
    public void ReduceLanesFoldsEveryLane(ReduceOp op, double expected)
    {
        var v = R("v", "v4f32"); var s = R("s", "f32");
        Assert.Equal([expected], Eval.Lanes([1, 2, -3, 4], s, new LoadStmt(v, "x", Eval.Zero), new ReduceLanesStmt(s, op, v)));
    }

    [Fact]
    public void ReduceLanesAddsInTreeOrder()
    {
        // In f32 1e8 + 1 rounds back to 1e8: the order of the additions shows in the result. Tree order: (l0 + l2) + (l1 + l3).
        var v = R("v", "v4f32"); var s = R("s", "f32");
        Assert.Equal([1.0], Eval.Lanes([1e8f, 1, -1e8f, 0], s, new LoadStmt(v, "x", Eval.Zero), new ReduceLanesStmt(s, ReduceOp.Sum, v)));
        Assert.Equal([0.0], Eval.Lanes([1e8f, -1e8f, 1, 0], s, new LoadStmt(v, "x", Eval.Zero), new ReduceLanesStmt(s, ReduceOp.Sum, v)));
        // max propagates NaN.
        Assert.True(double.IsNaN(Eval.Lanes([1, float.NaN, 3, 0], s, new LoadStmt(v, "x", Eval.Zero), new ReduceLanesStmt(s, ReduceOp.Max, v))[0]));
    }

    [Fact]
    public void ComparisonsGiveLaneMasksAndSelectPicksPerLane()
    {
        var a = R("a", "v4f32"); var b = R("b", "v4f32"); var m = R("m", "v4bool"); var s = R("s", "v4f32");
        Assert.Equal([1.0, 1, 1, 1], Eval.Lanes(m, ConstF(a, 1), ConstF(b, 2), new BinaryStmt(m, BinaryOp.Lt, a, b)));
        Assert.Equal([2.0, 2, 2, 2], Eval.Lanes(s, ConstF(a, 1), ConstF(b, 2), new BinaryStmt(m, BinaryOp.Gt, a, b), new SelectStmt(s, m, a, b)));
        var isnan = R("isnan", "f32"); var q = R("q", "bool");
        Assert.Equal([1.0], Eval.Lanes(q, ConstF(isnan, double.NaN), new UnaryStmt(q, UnaryOp.IsNaN, isnan)));
    }

    [Fact]
    public void CastConvertsEveryLane()
    {
        var f = R("f", "v8f32"); var i = R("i", "v8i32"); var back = R("back", "v8f64");
        Assert.Equal(Enumerable.Repeat(-2.0, 8), Eval.Lanes(i, ConstF(f, -2.75), new CastStmt(i, f)));
        Assert.Equal(Enumerable.Repeat(-2.0, 8), Eval.Lanes(back, ConstF(f, -2.75), new CastStmt(i, f), new CastStmt(back, i)));
        var big = R("big", "f32"); var sat = R("sat", "i32");
        Assert.Equal([(double)int.MaxValue], Eval.Lanes(sat, ConstF(big, 1e20), new CastStmt(sat, big)));
    }

    [Fact]
    public void BroadcastCopiesTheScalarIntoEveryLane()
    {
        var s = R("s", "f32"); var v = R("v", "v16f32");
        Assert.Equal(Enumerable.Repeat(1.5, 16), Eval.Lanes(v, ConstF(s, 1.5), new BroadcastStmt(v, s)));
    }

    [Fact]
    public void LoopRunsFromLowerToUpperByStepAndReadsTheBoundsOnce()
    {
        // acc = sum of i for i = 2, 5, 8 (< 10); the body moves the upper bound, which must not matter.
        var i = R("i", "i64"); var lo = R("lo", "i64"); var hi = R("hi", "i64"); var acc = R("acc", "i64");
        Assert.Equal([15.0], Eval.Lanes(acc, Const(lo, 2), Const(hi, 10), Const(acc, 0),
            Loop(i, lo, hi, 3, new BinaryStmt(acc, BinaryOp.Add, acc, i), new BinaryStmt(hi, BinaryOp.Add, hi, i))));
        // An empty range runs nothing.
        Assert.Equal([0.0], Eval.Lanes(acc, Const(lo, 5), Const(hi, 5), Const(acc, 0),
            Loop(i, lo, hi, 1, new BinaryStmt(acc, BinaryOp.Add, acc, i))));
    }

    [Fact]
    public void IfRunsOneBranch()
    {
        var c = R("c", "bool"); var r = R("r", "f32");
        Assert.Equal([1.0], Eval.Lanes(r, Const(c, 1), If(c, [ConstF(r, 1)], ConstF(r, 2))));
        Assert.Equal([2.0], Eval.Lanes(r, Const(c, 0), If(c, [ConstF(r, 1)], ConstF(r, 2))));
        Assert.Equal([3.0], Eval.Lanes(r, ConstF(r, 3), Const(c, 0), If(c, [ConstF(r, 1)])));
    }

    [Fact]
    public void PrefetchHasNoEffect()
    {
        var i = R("i", "i64"); var r = R("r", "f32");
        // Far out of bounds: a prefetch is a hint and is not checked.
        Assert.Equal([4.0], Eval.Lanes(r, Const(i, 1 << 40), new PrefetchStmt("out", i), ConstF(r, 4)));
    }
}
