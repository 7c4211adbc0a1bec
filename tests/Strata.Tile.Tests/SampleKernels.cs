using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Tests;

/// <summary>Hand-built kernels (through <see cref="KernelBuilder"/>, the way lowerings build them) shared by the
/// interpreter, text, verifier and cost tests.</summary>
public static class SampleKernels
{
    private static ImmutableArray<long> S(params long[] dims) => [.. dims];

    /// <summary><c>out[m, n] = sum[k] x[m, k] * w[k, n]</c>.</summary>
    public static TileKernel MatMul(long m, long k, long n, DataType type = DataType.Float32)
    {
        var b = new KernelBuilder("matmul");
        var x = TileValue.FromBuffer(b.AddInput("x", type, S(m, k)));
        var w = TileValue.FromBuffer(b.AddInput("w", type, S(k, n)));
        var acc = b.Reduce(ReduceOp.Sum, S(m, n), [k], (o, r) => new Binary(BinaryOp.Mul, x.At(o[0], r[0]), w.At(r[0], o[1])),
            hint: "acc", axisHints: ["m", "n"]);
        b.AddOutput("out", acc);
        return b.Build();
    }

    /// <summary>The MLP kernel of IR-EXAMPLES: <c>gelu(x·w1 + b1)</c>.</summary>
    public static TileKernel Mlp(long m = 128, long k = 768, long n = 3072)
    {
        var b = new KernelBuilder("mlp.k0");
        var x = TileValue.FromBuffer(b.AddInput("x", DataType.Float32, S(m, k)));
        var w = TileValue.FromBuffer(b.AddInput("w1", DataType.Float32, S(k, n)));
        var bias = TileValue.FromBuffer(b.AddInput("b1", DataType.Float32, S(n)));
        var acc = b.Reduce(ReduceOp.Sum, S(m, n), [k], (o, r) => new Binary(BinaryOp.Mul, x.At(o[0], r[0]), w.At(r[0], o[1])),
            hint: "acc", axisHints: ["m", "n"]);
        b.AddOutput("out", new TileValue(DataType.Float32, S(m, n),
            i => new Unary(UnaryOp.Gelu, new Binary(BinaryOp.Add, acc.At(i), bias.At(i[1])))));
        return b.Build();
    }

    /// <summary>Softmax over the last axis of <c>[rows, cols]</c>: max, sub, exp, sum, div.</summary>
    public static TileKernel Softmax(long rows, long cols)
    {
        var b = new KernelBuilder("softmax");
        var x = TileValue.FromBuffer(b.AddInput("x", DataType.Float32, S(rows, cols)));
        var mx = b.Reduce(ReduceOp.Max, S(rows), [cols], (o, r) => x.At(o[0], r[0]), hint: "max");
        var e = b.Materialize(new TileValue(DataType.Float32, S(rows, cols),
            i => new Unary(UnaryOp.Exp, new Binary(BinaryOp.Sub, x.At(i), mx.At(i[0])))), hint: "exp");
        var sum = b.Reduce(ReduceOp.Sum, S(rows), [cols], (o, r) => e.At(o[0], r[0]), hint: "sum");
        b.AddOutput("out", new TileValue(DataType.Float32, S(rows, cols), i => new Binary(BinaryOp.Div, e.At(i), sum.At(i[0]))));
        return b.Build();
    }

    /// <summary>Transpose <c>[2,3,4]</c> by perm (2,0,1) to <c>[4,2,3]</c>, then reshape to <c>[8,3]</c>: pure index arithmetic.</summary>
    public static TileKernel TransposeReshape()
    {
        var b = new KernelBuilder("view");
        var x = TileValue.FromBuffer(b.AddInput("x", DataType.Float32, S(2, 3, 4)));
        var t = new TileValue(DataType.Float32, S(4, 2, 3), i => x.At(i[1], i[2], i[0]));
        var r = new TileValue(DataType.Float32, S(8, 3), i =>
        {
            var flat = i[0] * 3 + i[1];
            return t.At(new Binary(BinaryOp.FloorDiv, flat, Expr.Index(6)),
                new Binary(BinaryOp.Mod, new Binary(BinaryOp.FloorDiv, flat, Expr.Index(3)), Expr.Index(2)),
                new Binary(BinaryOp.Mod, flat, Expr.Index(3)));
        });
        b.AddOutput("out", r);
        return b.Build();
    }

    /// <summary>Constant padding of <c>[rows, cols]</c> by one element on every side: the load is guarded by a select.</summary>
    public static TileKernel Pad(long rows, long cols, float value = 0)
    {
        var b = new KernelBuilder("pad");
        var x = TileValue.FromBuffer(b.AddInput("x", DataType.Float32, S(rows, cols)));
        b.AddOutput("out", new TileValue(DataType.Float32, S(rows + 2, cols + 2), i =>
        {
            var r = i[0] - 1;
            var c = i[1] - 1;
            Expr inside = new Binary(BinaryOp.And,
                new Binary(BinaryOp.And, new Binary(BinaryOp.Ge, r, Expr.Index(0)), new Binary(BinaryOp.Lt, r, Expr.Index(rows))),
                new Binary(BinaryOp.And, new Binary(BinaryOp.Ge, c, Expr.Index(0)), new Binary(BinaryOp.Lt, c, Expr.Index(cols))));
            return new Select(inside, x.At(r, c), Constant.Of(value, DataType.Float32));
        }));
        return b.Build();
    }

    /// <summary><c>out[i] = argmax[k] x[i, k]</c> (i64).</summary>
    public static TileKernel ArgMax(long rows, long cols, ReduceOp op = ReduceOp.ArgMax)
    {
        var b = new KernelBuilder("argmax");
        var x = TileValue.FromBuffer(b.AddInput("x", DataType.Float32, S(rows, cols)));
        var am = b.Reduce(op, S(rows), [cols], (o, r) => x.At(o[0], r[0]), hint: "am");
        b.AddOutput("out", am);
        return b.Build();
    }
}
