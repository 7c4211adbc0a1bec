using System.Collections.Immutable;
using CsCheck;
using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Lowering;

public sealed class IndexSimplifierTests
{
    private static readonly Expr I = Expr.Var("i"), J = Expr.Var("j"), K = Expr.Var("k");
    private static Expr N(long v) => Expr.Index(v);
    private static Expr B(BinaryOp op, Expr a, Expr b) => new Binary(op, a, b);
    private static Expr Div(Expr a, long c) => B(BinaryOp.FloorDiv, a, N(c));
    private static Expr Mod(Expr a, long c) => B(BinaryOp.Mod, a, N(c));

    private static string Simplify(Expr e, params (Expr Var, long Extent)[] facts) =>
        TilePrinter.PrintExpr(IndexSimplifier.Simplify(e, facts.ToDictionary(f => f.Var, f => new IndexRange(0, f.Extent - 1))));

    [Fact]
    public void Folds_constants_and_identities()
    {
        Assert.Equal("i", Simplify(B(BinaryOp.Add, B(BinaryOp.Mul, I, N(1)), N(0))));
        Assert.Equal("add(i, 3)", Simplify(B(BinaryOp.Add, B(BinaryOp.Add, I, N(1)), N(2))));
        Assert.Equal("0", Simplify(B(BinaryOp.Sub, I, I)));
        Assert.Equal("i", Simplify(Div(I, 1)));
        Assert.Equal("12", Simplify(B(BinaryOp.Mul, N(3), N(4))));
        Assert.Equal("sub(9, mul(i, 3))", Simplify(B(BinaryOp.Sub, N(9), B(BinaryOp.Mul, I, N(3)))));
    }

    [Fact]
    public void Uses_ranges_to_remove_divisions_and_remainders()
    {
        // Flattening [i, j] of a [?, 4] value and splitting it again gives i and j back.
        var flat = B(BinaryOp.Add, B(BinaryOp.Mul, I, N(4)), J);
        Assert.Equal("i", Simplify(Div(flat, 4), (I, 3), (J, 4)));
        Assert.Equal("j", Simplify(Mod(flat, 4), (I, 3), (J, 4)));
        // Without the range of j, j / 4 stays; without any ranges nothing is split (the sum might wrap around).
        Assert.Equal("add(i, floordiv(j, 4))", Simplify(Div(flat, 4), (I, 3), (J, 1000)));
        Assert.Equal("floordiv(add(mul(i, 4), j), 4)", Simplify(Div(flat, 4)));
        // A common factor: (20 i + j) / 60 with j < 20 is i / 3.
        Assert.Equal("floordiv(i, 3)", Simplify(Div(B(BinaryOp.Add, B(BinaryOp.Mul, I, N(20)), J), 60), (I, 6), (J, 20)));
        Assert.Equal("add(mul(mod(i, 3), 20), j)", Simplify(Mod(B(BinaryOp.Add, B(BinaryOp.Mul, I, N(20)), J), 60), (I, 6), (J, 20)));
        Assert.Equal("floordiv(i, 6)", Simplify(Div(Div(I, 2), 3)));
        Assert.Equal("mod(i, 3)", Simplify(Mod(Mod(I, 6), 3)));
    }

    [Fact]
    public void Decides_comparisons_clamps_and_selects_from_ranges()
    {
        Assert.Equal("true", Simplify(B(BinaryOp.Lt, I, N(5)), (I, 5)));
        Assert.Equal("ge(i, 1)", Simplify(B(BinaryOp.Ge, B(BinaryOp.Sub, I, N(1)), N(0)), (I, 5)));
        Assert.Equal("eq(j, i)", Simplify(B(BinaryOp.Eq, B(BinaryOp.Sub, J, I), N(0)), (I, 4), (J, 4)));
        Assert.Equal("eq(sub(j, i), 0)", Simplify(B(BinaryOp.Eq, B(BinaryOp.Sub, J, I), N(0)))); // unbounded: may wrap
        Assert.Equal("i", Simplify(B(BinaryOp.Min, B(BinaryOp.Max, I, N(0)), N(4)), (I, 5)));
        Assert.Equal("min(i, 3)", Simplify(B(BinaryOp.Min, B(BinaryOp.Max, I, N(0)), N(3)), (I, 5)));
        Assert.Equal("j", Simplify(new Select(B(BinaryOp.Lt, I, N(9)), J, K), (I, 5)));
        Assert.Equal("i", Simplify(new Unary(UnaryOp.Abs, I), (I, 5)));
        // A size-1 dim's index is the constant 0.
        Assert.Equal("0", Simplify(I, (I, 1)));
    }

    [Fact]
    public void Leaves_non_index_expressions_alone_but_simplifies_their_indices()
    {
        var load = new Load("x", [B(BinaryOp.Add, I, N(0))], DataType.Float32);
        Assert.Equal("exp(%x[i])", Simplify(new Unary(UnaryOp.Exp, load)));
        Assert.Equal("add(%x[i], %x[i])", Simplify(B(BinaryOp.Add, load, load)));
    }

    /// <summary>Random index expressions over i, j, k: the simplified expression has the same value at every
    /// point of the (small) domain, evaluated by the Tile interpreter.</summary>
    [Fact]
    public void Simplified_expressions_equal_the_originals_everywhere()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 7], Gen.Int[1, 7], Gen.Int[1, 7]).Sample((seed, ni, nj, nk) =>
        {
            var rng = new Random(seed);
            var e = RandomIndex(rng, 4);
            var facts = new Dictionary<Expr, IndexRange> { [I] = new(0, ni - 1), [J] = new(0, nj - 1), [K] = new(0, nk - 1) };
            var s = IndexSimplifier.Simplify(e, facts);
            var (a, b) = (Evaluate(e, ni, nj, nk), Evaluate(s, ni, nj, nk));
            Assert.True(a.SequenceEqual(b), $"{TilePrinter.PrintExpr(e)}\n  simplified to {TilePrinter.PrintExpr(s)}\n  differs over [{ni},{nj},{nk}]");
            if (IndexSimplifier.RangeOf(s, facts) is { } r)
                Assert.True(a.All(v => v >= r.Lo && v <= r.Hi), $"range {r} of {TilePrinter.PrintExpr(s)} misses a value");
        }, iter: 4000);
    }

    private static Expr RandomIndex(Random rng, int depth)
    {
        if (depth == 0 || rng.Next(4) == 0)
            return rng.Next(3) == 0 ? N(rng.Next(-4, 12)) : new[] { I, J, K }[rng.Next(3)];
        Expr Sub() => RandomIndex(rng, depth - 1);
        long[] factors = [1, 2, 3, 4, 5, 6, 8, 12, 20, 24];
        Expr Flat()
        {
            // A flat-index-like sum (what reshapes build), so divisions by common factors are exercised.
            Expr e = N(rng.Next(-3, 4));
            foreach (var v in new[] { I, J, K }) if (rng.Next(3) > 0) e = B(BinaryOp.Add, e, B(BinaryOp.Mul, v, N(factors[rng.Next(factors.Length)])));
            return rng.Next(3) == 0 ? B(BinaryOp.Add, e, Sub()) : e;
        }
        return rng.Next(13) switch
        {
            11 => Div(Flat(), factors[rng.Next(1, factors.Length)]),
            12 => Mod(Flat(), factors[rng.Next(1, factors.Length)]),
            0 or 1 => B(BinaryOp.Add, Sub(), Sub()),
            2 => B(BinaryOp.Sub, Sub(), Sub()),
            3 => B(BinaryOp.Mul, Sub(), N(rng.Next(-3, 7))),
            4 => Div(Sub(), rng.Next(1, 8)),
            5 => Mod(Sub(), rng.Next(1, 8)),
            6 => B(rng.Next(2) == 0 ? BinaryOp.Min : BinaryOp.Max, Sub(), Sub()),
            7 => new Select(B(new[] { BinaryOp.Lt, BinaryOp.Le, BinaryOp.Eq, BinaryOp.Ge }[rng.Next(4)], Sub(), Sub()), Sub(), Sub()),
            8 => new Unary(UnaryOp.Abs, Sub()),
            9 => B(BinaryOp.Mul, Sub(), Sub()),
            _ => B(BinaryOp.Div, Sub(), N(rng.Next(1, 5))),
        };
    }

    /// <summary>The expression's value at every point of [ni, nj, nk], by the Tile interpreter.</summary>
    private static long[] Evaluate(Expr e, int ni, int nj, int nk)
    {
        var kernel = new TileKernel("e", [], [new TileBuffer("out", DataType.Int64, [ni, nj, nk], BufferRole.Output)], [],
            [new Axis("i", ni), new Axis("j", nj), new Axis("k", nk)], [new Computation("out", ["i", "j", "k"], null, e)]);
        return ((Tensor<long>)TileInterpreter.Run(kernel, [])[0]).ToArray();
    }
}
