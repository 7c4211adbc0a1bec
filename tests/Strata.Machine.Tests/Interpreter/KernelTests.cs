using CsCheck;
using Strata.Core;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Whole kernels (loops, vectors, local buffers) against an independent computation in C#.</summary>
public class KernelTests
{
    /// <summary>out = x · w, one program per row; columns in vectors of the target's width (tail by count), k inner,
    /// the accumulator staged through a local buffer.</summary>
    public static MachineKernel MatMul(Target target, int m, int k, int n)
    {
        int lanes = target.Lanes(F32);
        string v = lanes == 1 ? "f32" : "v" + lanes + "f32";
        var row = R("row", "i64"); var z = R("z", "i64"); var cn = R("cn", "i64"); var ck = R("ck", "i64"); var cl = R("cl", "i64");
        var j = R("j", "i64"); var kk = R("kk", "i64"); var rest = R("rest", "i64"); var cnt = R("cnt", "i64");
        var xrow = R("xrow", "i64"); var xi = R("xi", "i64"); var wrow = R("wrow", "i64"); var wi = R("wi", "i64"); var oi = R("oi", "i64");
        var a = R("a", "f32"); var av = R("av", v); var b = R("b", v); var acc = R("acc", v); var t = R("t", v);
        MStmt broadcast = lanes == 1 ? new MoveStmt(av, a) : new BroadcastStmt(av, a);
        return new MachineKernel("matmul", target, [In("x", F32, m, k), In("w", F32, k, n), Out("out", F32, m, n)], [m],
            [new LocalBuffer("stage", F32, lanes)],
        [
            new ProgramIdStmt(row, 0), Const(z, 0), Const(cn, n), Const(ck, k), Const(cl, lanes),
            new BinaryStmt(xrow, BinaryOp.Mul, row, ck),
            Loop(j, z, cn, lanes,
                new BinaryStmt(rest, BinaryOp.Sub, cn, j), new BinaryStmt(cnt, BinaryOp.Min, rest, cl),
                ConstF(acc, 0),
                Loop(kk, z, ck, 1,
                    new BinaryStmt(xi, BinaryOp.Add, xrow, kk), new LoadStmt(a, "x", xi), broadcast,
                    new BinaryStmt(wrow, BinaryOp.Mul, kk, cn), new BinaryStmt(wi, BinaryOp.Add, wrow, j),
                    new LoadStmt(b, "w", wi, Count: lanes == 1 ? null : cnt),
                    new FmaStmt(acc, av, b, acc)),
                new StoreStmt("stage", z, acc, Count: lanes == 1 ? null : cnt),
                new LoadStmt(t, "stage", z, Count: lanes == 1 ? null : cnt),
                new BinaryStmt(oi, BinaryOp.Mul, row, cn), new BinaryStmt(oi, BinaryOp.Add, oi, j),
                new StoreStmt("out", oi, t, Count: lanes == 1 ? null : cnt)),
        ]);
    }

    private static float[] Reference(float[] x, float[] w, int m, int k, int n)
    {
        var r = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = 0;
                for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(x[i * k + p], w[p * n + j], acc);
                r[i * n + j] = acc;
            }
        return r;
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("generic-v128")]
    [InlineData("x86-64-avx2")]
    [InlineData("x86-64-avx512")]
    public void MatMulMatchesAnFmaReference(string target)
    {
        Gen.Select(Gen.Int[1, 9], Gen.Int[0, 9], Gen.Int[1, 40], Gen.Int).Sample(s =>
        {
            var (m, k, n, seed) = s;
            var rng = new Random(seed);
            var x = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
            var w = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
            var outs = MachineInterpreter.Call(MatMul(Target.Get(target), m, k, n),
                [Tensor<float>.FromArray(x, m, k), Tensor<float>.FromArray(w, k, n)], new MachineRunOptions(Block.ProgramOrder.Shuffled, seed));
            Assert.Equal(Reference(x, w, m, k, n), outs[0].As<float>().ToArray());
        }, iter: 25);
    }
}
