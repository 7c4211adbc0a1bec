using CsCheck;
using Strata.Core;
using Strata.Tile;
using static Strata.Block.Tests.KernelSketch;

namespace Strata.Block.Tests.Interpreter;

public class BlockInterpreterTests
{
    private static readonly DataType F = DataType.Float32;

    private static float[] RandomData(int n, int seed)
    {
        var rng = new Random(seed);
        var d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float)(rng.NextDouble() * 4 - 2);
        return d;
    }

    [Fact]
    public void TiledCopyWithOverhangCopiesEveryElement()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[1, 16], Gen.Int[1, 16], Gen.Int).Sample(t =>
        {
            var (m, n, bm, bn, seed) = t;
            var data = RandomData(m * n, seed);
            var outs = BlockInterpreter.Call(SampleKernels.Copy(m, n, bm, bn), [Tensor<float>.FromArray(data, m, n)],
                new BlockRunOptions(ProgramOrder.Shuffled, seed));
            Assert.Equal(data, outs[0].As<float>().ToArray());
        }, iter: 40);
    }

    [Fact]
    public void ElementwiseAddBroadcastsTheBiasRow()
    {
        Gen.Select(Gen.Int[1, 30], Gen.Int[1, 30], Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int).Sample(t =>
        {
            var (m, n, bm, bn, seed) = t;
            var kernel = SampleKernels.AddBias(m, n, bm, bn);

            var xd = RandomData(m * n, seed);
            var bd = RandomData(n, seed + 1);
            var outs = BlockInterpreter.Call(kernel, [Tensor<float>.FromArray(xd, m, n), Tensor<float>.FromArray(bd, n)]);
            var got = outs[0].As<float>().ToArray();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    Assert.Equal(xd[i * n + j] + bd[j], got[i * n + j]);
        }, iter: 30);
    }

    [Fact]
    public void BlockedMatmulWithKLoopMatchesDirectProduct()
    {
        Gen.Select(Gen.Select(Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 20]), Gen.Select(Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[1, 8]), Gen.Int).Sample(t =>
        {
            var ((m, n, k), (bm, bn, bk), seed) = t;
            var xd = RandomData(m * k, seed);
            var wd = RandomData(k * n, seed + 7);
            var outs = BlockInterpreter.Call(SampleKernels.Matmul(m, n, k, bm, bn, bk), [Tensor<float>.FromArray(xd, m, k), Tensor<float>.FromArray(wd, k, n)],
                new BlockRunOptions(ProgramOrder.Shuffled, seed));
            var got = outs[0].As<float>().ToArray();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double e = 0;
                    for (int p = 0; p < k; p++) e += (double)xd[i * k + p] * wd[p * n + j];
                    Assert.True(Math.Abs(got[i * n + j] - e) <= 1e-5 * (1 + k), $"[{i},{j}] {got[i * n + j]} vs {e}");
                }
        }, iter: 30);
    }

    [Fact]
    public void RowSoftmaxWithReduceMatchesDirectComputation()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 40], Gen.Int[1, 8], Gen.Int).Sample(t =>
        {
            var (m, n, bm, seed) = t;
            int bn = 1;
            while (bn < n) bn *= 2;
            var kernel = SampleKernels.Softmax(m, n, bm, bn);

            var xd = RandomData(m * n, seed);
            var got = BlockInterpreter.Call(kernel, [Tensor<float>.FromArray(xd, m, n)])[0].As<float>().ToArray();
            for (int i = 0; i < m; i++)
            {
                double max = double.NegativeInfinity, total = 0;
                for (int j = 0; j < n; j++) max = Math.Max(max, xd[i * n + j]);
                for (int j = 0; j < n; j++) total += Math.Exp(xd[i * n + j] - max);
                for (int j = 0; j < n; j++)
                {
                    double expected = Math.Exp(xd[i * n + j] - max) / total;
                    Assert.True(Math.Abs(got[i * n + j] - expected) < 1e-6, $"[{i},{j}] {got[i * n + j]} vs {expected}");
                }
            }
        }, iter: 30);
    }

    [Fact]
    public void ArgMaxReduceGivesFirstPositionAndSelectChoosesLanes()
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, 2, 4);
        var o = Param("out", DataType.Int64, ParamRole.Output, 2);
        var c = Param("clip", F, ParamRole.Output, 2, 4);
        var c0 = s.Const("c0", 0);
        var r = s.Reshape("r2", s.Arange("r", c0, 2), 2, 1);
        var col = s.Arange("col", c0, 4);
        var v = s.Load("v", x, [r, col]);
        var am = s.Reduce("am", ReduceOp.ArgMax, v, 1);
        s.Store(o, [s.Arange("r1", c0, 2)], am);
        var zero = s.Const("zf", Scalar.Float(0), F32());
        var neg = s.Binary("neg", BinaryOp.Lt, v, zero);
        s.Store(c, [r, col], s.Select("clipped", neg, zero, v));
        var kernel = s.Build("argmax", [x, o, c], 1);

        var outs = BlockInterpreter.Call(kernel, [Tensor<float>.FromArray([1, 5, 5, -2, -3, -1, -7, -1], 2, 4)]);
        Assert.Equal(new long[] { 1, 1 }, outs[0].As<long>().ToArray());
        Assert.Equal(new float[] { 1, 5, 5, 0, 0, 0, 0, 0 }, outs[1].As<float>().ToArray());
    }

    [Fact]
    public void IntegerDotAccumulatesInTheAccumulatorType()
    {
        // i8 operands, i32 accumulator: 100 * 100 * 3 overflows i8 and i16 but not i32.
        var s = new KernelSketch();
        var a = Param("a", DataType.Int8, ParamRole.Input, 1, 3);
        var b = Param("b", DataType.Int8, ParamRole.Input, 3, 1);
        var o = Param("out", DataType.Int32, ParamRole.Output, 1, 1);
        var c0 = s.Const("c0", 0);
        var r1 = s.Reshape("r1", s.Arange("r", c0, 1), 1, 1);
        var r3 = s.Arange("r3", c0, 3);
        var r31 = s.Reshape("r31", r3, 3, 1);
        var av = s.Load("av", a, [r1, r3]);
        var bv = s.Load("bv", b, [r31, r1]);
        var acc = s.Const("acc", Scalar.Int(5), BlockType.Of(DataType.Int32, 1, 1));
        s.Store(o, [r1, r1], s.Dot("d", av, bv, acc));
        var kernel = s.Build("idot", [a, b, o], 1);
        var outs = BlockInterpreter.Call(kernel, [Tensor<sbyte>.FromArray([100, 100, 100], 1, 3), Tensor<sbyte>.FromArray([100, 100, 100], 3, 1)]);
        Assert.Equal(30005, outs[0].As<int>()[0]);
    }

    [Fact]
    public void LoopWithNoIterationsGivesItsInits()
    {
        var s = new KernelSketch();
        var o = Param("out", F, ParamRole.Output, 3);
        var c0 = s.Const("c0", 0);
        var init = s.Const("z", Scalar.Float(2.5), F32(3));
        var r = s.For("r", "k", c0, c0, 1, "a", init, (b, k, a) => b.Binary("a1", BinaryOp.Add, a, a));
        s.Store(o, [s.Arange("i", c0, 3)], r);
        var outs = BlockInterpreter.Call(s.Build("empty_loop", [o], 1), []);
        Assert.Equal(new float[] { 2.5f, 2.5f, 2.5f }, outs[0].As<float>().ToArray());
    }

    [Fact]
    public void LoopCarriesValuesAcrossIterations()
    {
        // a = 1; for k in 3..10 step 2: a = a * 2 + k  → ((((1*2+3)*2+5)*2+7)*2+9)
        var s = new KernelSketch();
        var o = Param("out", DataType.Int64, ParamRole.Output, 1);
        var c0 = s.Const("c0", 0);
        var lo = s.Const("lo", 3);
        var hi = s.Const("hi", 10);
        var one = s.Const("one", 1);
        var two = s.Const("two", 2);
        var r = s.For("r", "k", lo, hi, 2, "a", one, (b, k, a) => b.Binary("a2", BinaryOp.Add, b.Binary("a1", BinaryOp.Mul, a, two), k));
        s.Store(o, [s.Arange("i", c0, 1)], r);
        var outs = BlockInterpreter.Call(s.Build("loop", [o], 1), []);
        Assert.Equal(((((1 * 2 + 3) * 2 + 5) * 2 + 7) * 2 + 9), outs[0].As<long>()[0]);
    }

    [Fact]
    public void UnmaskedOutOfRangeLoadNamesKernelValueProgramAndIndex()
    {
        // 5x5 with 4x4 tiles and no masks: program (1, 0) reads row 4.. 7.
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, 5, 5);
        var o = Param("out", F, ParamRole.Output, 5, 5);
        var (rm2, rn, _, _, _) = SampleKernels.Tile(s, 5, 5, 4, 4);
        var v = s.Load("v", x, [rm2, rn]);
        s.Store(o, [rm2, rn], v);
        var kernel = s.Build("nomask", [x, o], 2, 2);
        var e = Assert.Throws<StrataException>(() => BlockInterpreter.Call(kernel, [new Tensor<float>([5, 5])]));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
        Assert.Contains("@nomask", e.Message);
        Assert.Contains("%v", e.Message);
        Assert.Contains("%x", e.Message);
        Assert.Contains("program (0, 1)", e.Message);
        Assert.Contains("index [0, 5]", e.Message);
    }

    [Fact]
    public void UnmaskedOutOfRangeStoreThrows()
    {
        var s = new KernelSketch();
        var o = Param("out", F, ParamRole.Output, 3);
        var c1 = s.Const("c1", 1);
        s.Store(o, [s.Arange("i", c1, 3)], s.Const("v", Scalar.Float(1), F32()));
        var e = Assert.Throws<StrataException>(() => BlockInterpreter.Call(s.Build("st", [o], 1), []));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
        Assert.Contains("store to %out", e.Message);
        Assert.Contains("index [3]", e.Message);
    }

    [Fact]
    public void MaskedOffLanesAreNotRead()
    {
        // The index is wildly out of range where the mask is false: no error, lanes get `other`.
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, 2);
        var o = Param("out", F, ParamRole.Output, 4);
        var c0 = s.Const("c0", 0);
        var i = s.Arange("i", c0, 4);
        var far = s.Binary("far", BinaryOp.Mul, i, s.Const("c1000", 1000));
        var ix = s.Binary("ix", BinaryOp.Add, i, far);
        var m = s.Binary("m", BinaryOp.Lt, i, s.Const("c1", 1));
        var v = s.Load("v", x, [ix], m, Scalar.Float(-1));
        s.Store(o, [i], v);
        var outs = BlockInterpreter.Call(s.Build("masked", [x, o], 1), [Tensor<float>.FromArray([7, 8], 2)]);
        Assert.Equal(new float[] { 7, -1, -1, -1 }, outs[0].As<float>().ToArray());
    }

    [Fact]
    public void InstancesWritingTheSameElementAreARace()
    {
        // Every instance stores its program id to out[0]: order-dependent, so the interpreter refuses it.
        var s = new KernelSketch();
        var o = Param("out", DataType.Int64, ParamRole.Output, 1);
        var p = s.ProgramId("p", 0);
        s.Store(o, [s.Arange("i", s.Const("c0", 0), 1)], p);
        var e = Assert.Throws<StrataException>(() => BlockInterpreter.Call(s.Build("race", [o], 3), []));
        Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
        Assert.Contains("written by program (0)", e.Message);
        // Without the check the last instance in the order wins: order-dependence is visible with shuffling.
        var results = Enumerable.Range(0, 8).Select(seed =>
            BlockInterpreter.Call(s.Build("race", [o], 3), [], new BlockRunOptions(ProgramOrder.Shuffled, seed, CheckRaces: false))[0].As<long>()[0]).ToHashSet();
        Assert.True(results.Count > 1);
    }

    [Fact]
    public void ReadingAnotherInstancesScratchIsARace()
    {
        // Instance p writes scratch[p] then reads scratch[(p+1) % 2].
        var s = new KernelSketch();
        var sc = Param("tmp", F, ParamRole.Scratch, 2);
        var o = Param("out", F, ParamRole.Output, 2);
        var p = s.ProgramId("p", 0);
        var i = s.Arange("i", p, 1);
        s.Store(sc, [i], s.Const("v", Scalar.Float(1), F32(1)));
        var j = s.Binary("j", BinaryOp.Mod, s.Binary("p1", BinaryOp.Add, i, s.Const("one", 1)), s.Const("two", 2));
        s.Store(o, [i], s.Load("w", sc, [j]));
        var e = Assert.Throws<StrataException>(() => BlockInterpreter.Call(s.Build("dep", [sc, o], 2), []));
        Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
        Assert.Contains("reads element 0 of %tmp written by program (0)", e.Message);
    }

    [Fact]
    public void ShuffledOrderRunsEveryInstanceOnce()
    {
        var grid = System.Collections.Immutable.ImmutableArray.Create(3L, 4L, 2L);
        var seen = BlockInterpreter.Instances(grid, new BlockRunOptions(ProgramOrder.Shuffled, 42)).Select(p => string.Join(",", p)).ToList();
        var rowMajor = BlockInterpreter.Instances(grid, BlockRunOptions.Default).Select(p => string.Join(",", p)).ToList();
        Assert.Equal(24, seen.Count);
        Assert.Equal(rowMajor.Order(), seen.Order());
        Assert.NotEqual(rowMajor, seen);
        Assert.Equal("0,0,0", rowMajor[0]);
        Assert.Equal("0,0,1", rowMajor[1]);
        Assert.Equal("2,3,1", rowMajor[^1]);
    }

    [Fact]
    public void ArgumentsAreCheckedAgainstTheSignature()
    {
        var kernel = SampleKernels.Copy(4, 4, 2, 2);
        var e = Assert.Throws<StrataException>(() => BlockInterpreter.Run(kernel, [new Tensor<float>([4, 4])]));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        e = Assert.Throws<StrataException>(() => BlockInterpreter.Run(kernel, [new Tensor<float>([4, 4]), new Tensor<float>([4, 5])]));
        Assert.Equal(ErrorCode.InputTypeMismatch, e.Code);
        e = Assert.Throws<StrataException>(() => BlockInterpreter.Run(kernel, [new Tensor<float>([4, 4]), new Tensor<double>([4, 4])]));
        Assert.Equal(ErrorCode.InputTypeMismatch, e.Code);
    }

    [Fact]
    public void RunWritesIntoCallerTensorsAndLeavesUnstoredElements()
    {
        // Storing only the upper-left 2x2 of a 3x3 output leaves the rest as the caller set it.
        var kernel = SampleKernels.Copy(3, 3, 2, 2) with { Grid = [1, 1] };
        var outT = Tensor<float>.FromArray(Enumerable.Repeat(-9f, 9).ToArray(), 3, 3);
        BlockInterpreter.Run(kernel, [Tensor<float>.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3), outT]);
        Assert.Equal(new float[] { 1, 2, -9, 4, 5, -9, -9, -9, -9 }, outT.ToArray());
    }

    [Fact]
    public void CastRoundsToTheTargetType()
    {
        var s = new KernelSketch();
        var x = Param("x", F, ParamRole.Input, 3);
        var o = Param("out", DataType.Int32, ParamRole.Output, 3);
        var h = Param("half", DataType.Float16, ParamRole.Output, 3);
        var i = s.Arange("i", s.Const("c0", 0), 3);
        var v = s.Load("v", x, [i]);
        s.Store(o, [i], s.Cast("vi", v, DataType.Int32));
        s.Store(h, [i], s.Cast("vh", v, DataType.Float16));
        var outs = BlockInterpreter.Call(s.Build("cast", [x, o, h], 1), [Tensor<float>.FromArray([-2.7f, 3.9f, 1.0001f], 3)]);
        Assert.Equal(new[] { -2, 3, 1 }, outs[0].As<int>().ToArray());
        Assert.Equal(new[] { (Half)(-2.7f), (Half)3.9f, (Half)1.0001f }, outs[1].As<Half>().ToArray());
    }
}
