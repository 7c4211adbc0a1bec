using Strata.Core;
using Strata.Tile;
using static Strata.Block.Tests.KernelSketch;

namespace Strata.Block.Tests;

/// <summary>Hand-built kernels shared by the interpreter, text and verifier tests.</summary>
public static class SampleKernels
{
    private static readonly DataType F = DataType.Float32;

    /// <summary>Rows %rm2 : index[BM,1] and columns %rn : index[BN] of this instance's tile, with the overhang masks.</summary>
    public static (BlockValue rm2, BlockValue rn, BlockValue mm, BlockValue mn, BlockValue mask) Tile(KernelSketch s, int m, int n, int bm, int bn)
    {
        var pm = s.ProgramId("pm", 0);
        var pn = s.ProgramId("pn", 1);
        var m0 = s.Binary("m0", BinaryOp.Mul, pm, s.Const("cbm", bm));
        var n0 = s.Binary("n0", BinaryOp.Mul, pn, s.Const("cbn", bn));
        var rm = s.Arange("rm", m0, bm);
        var rn = s.Arange("rn", n0, bn);
        var rm2 = s.Reshape("rm2", rm, bm, 1);
        var mm = s.Binary("mm", BinaryOp.Lt, rm2, s.Const("cm", m));
        var mn = s.Binary("mn", BinaryOp.Lt, rn, s.Const("cn", n));
        var mask = s.Binary("mask", BinaryOp.And, mm, mn);
        return (rm2, rn, mm, mn, mask);
    }

    public static BlockKernel Copy(int m, int n, int bm, int bn)
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, m, n);
        var o = Param("out", F, ParamRole.Output, m, n);
        var (rm2, rn, _, _, mask) = Tile(s, m, n, bm, bn);
        var v = s.Load("v", x, [rm2, rn], mask);
        s.Store(o, [rm2, rn], v, mask);
        return s.Build("copy", [x, o], CeilDiv(m, bm), CeilDiv(n, bn));
    }

    public static BlockKernel Matmul(int m, int n, int k, int bm, int bn, int bk)
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, m, k);
        var w = Param("w", F, ParamRole.Input, k, n);
        var o = Param("out", F, ParamRole.Output, m, n);
        var (rm2, rn, mm, mn, mask) = Tile(s, m, n, bm, bn);
        var zero = s.Const("z", Scalar.Float(0), F32(bm, bn));
        var c0 = s.Const("c0", 0);
        var ck = s.Const("ck", k);
        var acc = s.For("acc", "k0", c0, ck, bk, "a", zero, (b, k0, a) =>
        {
            var rk = b.Arange("rk", k0, bk);
            var rk2 = b.Reshape("rk2", rk, bk, 1);
            var mk = b.Binary("mk", BinaryOp.Lt, rk, ck);
            var mk2 = b.Binary("mk2", BinaryOp.Lt, rk2, ck);
            var xm = b.Binary("xm", BinaryOp.And, mm, mk);
            var wm = b.Binary("wm", BinaryOp.And, mk2, mn);
            var xa = b.Load("xa", x, [rm2, rk], xm, Scalar.Float(0));
            var wb = b.Load("wb", w, [rk2, rn], wm);
            return b.Dot("a1", xa, wb, a);
        });
        s.Store(o, [rm2, rn], acc, mask);
        return s.Build("matmul", [x, w, o], CeilDiv(m, bm), CeilDiv(n, bn));
    }

    public static BlockKernel AddBias(int m, int n, int bm, int bn)
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, m, n);
        var b = Param("b", F, ParamRole.Input, n);
        var o = Param("out", F, ParamRole.Output, m, n);
        var (rm2, rn, _, mn, mask) = Tile(s, m, n, bm, bn);
        var xv = s.Load("xv", x, [rm2, rn], mask);
        var bv = s.Load("bv", b, [rn], mn);
        var sum = s.Binary("sum", BinaryOp.Add, xv, bv);
        s.Store(o, [rm2, rn], sum, mask);
        return s.Build("add", [x, b, o], CeilDiv(m, bm), CeilDiv(n, bn));
    }

    public static BlockKernel Softmax(int m, int n, int bm, int bn)
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, m, n);
        var o = Param("out", F, ParamRole.Output, m, n);
        var (rm2, rn, _, _, mask) = Tile(s, m, n, bm, bn);
        var xv = s.Load("xv", x, [rm2, rn], mask, Scalar.Float(double.NegativeInfinity));
        var mx = s.Reduce("mx", ReduceOp.Max, xv, 1);
        var mx2 = s.Reshape("mx2", mx, bm, 1);
        var e = s.Unary("e", UnaryOp.Exp, s.Binary("d", BinaryOp.Sub, xv, mx2));
        var sum = s.Reshape("sum2", s.Reduce("sum", ReduceOp.Sum, e, 1), bm, 1);
        var y = s.Binary("y", BinaryOp.Div, e, sum);
        s.Store(o, [rm2, rn], y, mask);
        return s.Build("softmax", [x, o], CeilDiv(m, bm), 1);
    }
}
