using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Loads and stores: counts, masks, bounds, races, local buffers.</summary>
public class MemoryTests
{
    /// <summary>out[i] = x[i] * y[i] + 1 over n elements, one vector of the target's f32 width per iteration of a loop
    /// in a single instance, the tail through count.</summary>
    private static MachineKernel Axpy(Target target, int n)
    {
        int lanes = target.Lanes(F32);
        string v = "v" + lanes + "f32";
        var i = R("i", "i64"); var lo = R("lo", "i64"); var hi = R("hi", "i64"); var rest = R("rest", "i64"); var cl = R("cl", "i64");
        var cnt = R("cnt", "i64"); var a = R("a", v); var b = R("b", v); var one = R("one", v); var r = R("r", v);
        return new MachineKernel("axpy", target, [In("x", F32, n), In("y", F32, n), Out("out", F32, n)], [1], [],
        [
            Const(lo, 0), Const(hi, n), Const(cl, lanes), ConstF(one, 1),
            Loop(i, lo, hi, lanes,
                new BinaryStmt(rest, BinaryOp.Sub, hi, i), new BinaryStmt(cnt, BinaryOp.Min, rest, cl),
                new LoadStmt(a, "x", i, Count: cnt), new LoadStmt(b, "y", i, Count: cnt),
                new FmaStmt(r, a, b, one), new StoreStmt("out", i, r, Count: cnt)),
        ]);
    }

    [Theory]
    [InlineData("generic-v128", 4)]
    [InlineData("x86-64-avx2", 8)]
    [InlineData("x86-64-avx512", 16)]
    public void VectorLoopWithCountedTailCoversEveryElement(string target, int lanes)
    {
        Assert.Equal(lanes, Target.Get(target).Lanes(F32));
        Gen.Select(Gen.Int[0, 70], Gen.Int).Sample(t =>
        {
            var (n, seed) = t;
            var rng = new Random(seed);
            var x = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() * 4 - 2).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() * 4 - 2).ToArray();
            Assert.Equal(x.Zip(y, (u, w) => MathF.FusedMultiplyAdd(u, w, 1)).ToArray(), Run1F(Axpy(Target.Get(target), n), Floats(x), Floats(y)));
        }, iter: 30);
    }

    [Fact]
    public void CountedLoadFillsTheRestWithOtherAndCountedStoreLeavesItAlone()
    {
        for (int n = 0; n <= 4; n++)
        {
            var c = R("c", "i64"); var i = R("i", "i64"); var v = R("v", "v4f32");
            var k = Kernel([In("x", F32, 4), Out("out", F32, 8)], [1],
                Const(i, 0), Const(c, n), new LoadStmt(v, "x", i, Count: c, Other: Scalar.Float(-7)),
                new StoreStmt("out", i, v), Const(i, 4), new StoreStmt("out", i, v, Count: c));
            var outT = Floats(9, 9, 9, 9, 9, 9, 9, 9);
            MachineInterpreter.Run(k, [Floats(1, 2, 3, 4), outT]);
            float[] loaded = [.. new float[] { 1, 2, 3, 4 }.Take(n), .. Enumerable.Repeat(-7f, 4 - n)];
            float[] stored = [.. new float[] { 1, 2, 3, 4 }.Take(n), .. Enumerable.Repeat(9f, 4 - n)];
            Assert.Equal([.. loaded, .. stored], outT.ToArray());
        }
    }

    [Fact]
    public void CountedLanesBeyondTheEndAreNotAccessed()
    {
        // x has 5 elements; a 4-lane load at 3 with count 2 touches only 3 and 4.
        var c = R("c", "i64"); var i = R("i", "i64"); var v = R("v", "v4f32"); var z = R("z", "i64");
        var k = Kernel([In("x", F32, 5), Out("out", F32, 4)], [1],
            Const(i, 3), Const(c, 2), Const(z, 0), new LoadStmt(v, "x", i, Count: c), new StoreStmt("out", z, v));
        Assert.Equal([4f, 5, 0, 0], Run1F(k, Floats(1, 2, 3, 4, 5)));
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(1L << 40, 4)]
    [InlineData(-1, 0)]
    [InlineData(long.MinValue, 0)]
    public void CountOutsideTheLanesIsClampedIntoThem(long count, int active)
    {
        // As the native backends do: a negative count accesses no lane, a count beyond the lanes every lane.
        var c = R("c", "i64"); var i = R("i", "i64"); var v = R("v", "v4f32");
        var k = Kernel([In("x", F32, 4), Out("out", F32, 8)], [1],
            Const(i, 0), Const(c, count), new LoadStmt(v, "x", i, Count: c, Other: Scalar.Float(-7)),
            new StoreStmt("out", i, v), Const(i, 4), new StoreStmt("out", i, v, Count: c));
        var outT = Floats(9, 9, 9, 9, 9, 9, 9, 9);
        MachineInterpreter.Run(k, [Floats(1, 2, 3, 4), outT]);
        float[] loaded = [.. new float[] { 1, 2, 3, 4 }.Take(active), .. Enumerable.Repeat(-7f, 4 - active)];
        float[] stored = [.. loaded.Take(active), .. Enumerable.Repeat(9f, 4 - active)];
        Assert.Equal([.. loaded, .. stored], outT.ToArray());
    }

    [Fact]
    public void AFalseMaskReadsNothingAndWritesNothing()
    {
        // A false mask loads other even at an out-of-bounds index, and stores nothing there.
        var i = R("i", "i64"); var far = R("far", "i64"); var m = R("m", "bool"); var t = R("t", "bool"); var s = R("s", "f32");
        var k = Kernel([In("x", F32, 4), Out("out", F32, 2)], [1],
            Const(i, 0), Const(far, 1000), Const(m, 0), Const(t, 1),
            new LoadStmt(s, "x", far, Mask: m, Other: Scalar.Float(3.5)), new StoreStmt("out", i, s),
            new StoreStmt("out", far, s, Mask: m),
            Const(i, 1), new LoadStmt(s, "x", i, Mask: t, Other: Scalar.Float(3.5)), new StoreStmt("out", i, s, Mask: t));
        Assert.Equal([3.5f, 2], Run1F(k, Floats(1, 2, 3, 4)));
    }

    [Fact]
    public void VectorAccessesTakeCountsAndScalarAccessesMasks()
    {
        var i = R("i", "i64"); var v = R("v", "v4f32"); var vm = R("vm", "v4bool"); var s = R("s", "f32");
        var e = Assert.Throws<StrataException>(() => MachineInterpreter.Call(Kernel([In("x", F32, 4), Out("out", F32, 4)], [1],
            Const(i, 0), Const(vm, 1), new LoadStmt(v, "x", i, Mask: vm), new StoreStmt("out", i, v)), [Floats(1, 2, 3, 4)]));
        Assert.Contains("count, not mask", e.Message);
        e = Assert.Throws<StrataException>(() => MachineInterpreter.Call(Kernel([In("x", F32, 4), Out("out", F32, 4)], [1],
            Const(i, 0), new LoadStmt(s, "x", i, Count: i), new StoreStmt("out", i, s)), [Floats(1, 2, 3, 4)]));
        Assert.Contains("mask, not count", e.Message);
    }

    [Fact]
    public void OutOfBoundsAccessNamesKernelStatementMemoryIndexAndLength()
    {
        var i = R("i", "i64"); var v = R("v", "v8f32");
        var k = Kernel([In("x", F32, 10), Out("out", F32, 10)], [1],
            Const(i, 4), new LoadStmt(v, "x", i), new StoreStmt("out", i, v));
        var e = Assert.Throws<StrataException>(() => MachineInterpreter.Call(k, [Floats(new float[10])]));
        Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
        Assert.Contains("@k", e.Message);
        Assert.Contains("%v = load %x[%i] : v8f32", e.Message);
        Assert.Contains("element 10 of %x", e.Message);
        Assert.Contains("10 elements", e.Message);
        Assert.Contains("program (0)", e.Message);

        var k2 = Kernel([Out("out", F32, 3)], [1], Const(i, -1), ConstF(R("f", "f32"), 1), new StoreStmt("out", i, R("f", "f32")));
        var e2 = Assert.Throws<StrataException>(() => MachineInterpreter.Call(k2, []));
        Assert.Contains("writes element -1 of %out", e2.Message);
    }

    [Fact]
    public void InstancesTouchingEachOthersElementsAreARace()
    {
        // Instance p reads out[p - 1] (instance p - 1's element) and writes out[p]: whichever order, once a writer has
        // run before its reader the read is reported; without the check the kernel runs.
        var p = R("p", "i64"); var one = R("one", "i64"); var q = R("q", "i64"); var zero = R("z", "i64"); var v = R("v", "f32");
        var k = Kernel([Out("out", F32, 8)], [8],
            new ProgramIdStmt(p, 0), Const(one, 1), Const(zero, 0),
            new BinaryStmt(q, BinaryOp.Sub, p, one), new BinaryStmt(q, BinaryOp.Max, q, zero),
            new LoadStmt(v, "out", q), new StoreStmt("out", p, v));
        int races = 0;
        for (int seed = 0; seed < 10; seed++)
        {
            try { MachineInterpreter.Call(k, [], new MachineRunOptions(ProgramOrder.Shuffled, seed)); }
            catch (StrataException e)
            {
                Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
                Assert.Matches(@"reads element \d of %out written by program \(\d\)", e.Message);
                races++;
            }
        }
        Assert.Equal(10, races);
        MachineInterpreter.Call(k, [], new MachineRunOptions(ProgramOrder.Shuffled, 3, CheckRaces: false));

        // Two instances writing one element: a write-write race.
        var k2 = Kernel([Out("out", F32, 8)], [2], Const(zero, 0), ConstF(v, 1), new StoreStmt("out", zero, v));
        var e2 = Assert.Throws<StrataException>(() => MachineInterpreter.Call(k2, []));
        Assert.Contains("writes element 0 of %out written by program (0)", e2.Message);
    }

    [Fact]
    public void ShuffledOrderExposesAKernelThatDependsOnInstanceOrder()
    {
        // Instance p reads scratch[0] (the id of the instance that ran before it) and then writes its own id there.
        // With race checks off the result depends on the order; with them on, the second instance fails.
        var p = R("p", "i64"); var zero = R("z", "i64"); var v = R("v", "f32"); var pf = R("pf", "f32");
        var k = Kernel([Scratch("s", F32, 4), Out("out", F32, 4)], [4],
            new ProgramIdStmt(p, 0), Const(zero, 0), new CastStmt(pf, p),
            new LoadStmt(v, "s", zero), new StoreStmt("out", p, v), new StoreStmt("s", zero, pf));
        Assert.Throws<StrataException>(() => MachineInterpreter.Call(k, []));
        var results = Enumerable.Range(0, 8)
            .Select(seed => string.Join(",", Run1FWith(k, new MachineRunOptions(ProgramOrder.Shuffled, seed, CheckRaces: false)))).Distinct();
        Assert.True(results.Count() > 1);
    }

    private static float[] Run1FWith(MachineKernel k, MachineRunOptions o) => MachineInterpreter.Call(k, [], o)[0].As<float>().ToArray();

    [Fact]
    public void LocalBuffersStartEveryInstanceAsPoison()
    {
        // Instance 0 writes buf[0] and copies it; instance 1 only reads buf[0]: it sees poison, not instance 0's value.
        var p = R("p", "i64"); var zero = R("z", "i64"); var c = R("c", "bool"); var v = R("v", "f32"); var one = R("one", "f32");
        var k = Kernel([Out("out", F32, 2)], [2], [new LocalBuffer("buf", F32, 4)],
            new ProgramIdStmt(p, 0), Const(zero, 0), ConstF(one, 1), new BinaryStmt(c, BinaryOp.Eq, p, zero),
            If(c, [new StoreStmt("buf", zero, one)]),
            new LoadStmt(v, "buf", zero), new StoreStmt("out", p, v));
        var r = Run1F(k);
        Assert.Equal(1f, r[0]);
        Assert.True(float.IsNaN(r[1]));

        var i = R("i", "v4i32");
        var k2 = Kernel([Out("out", I32, 4)], [1], [new LocalBuffer("ib", I32, 4)],
            Const(zero, 0), new LoadStmt(i, "ib", zero), new StoreStmt("out", zero, i));
        Assert.All(MachineInterpreter.Call(k2, [])[0].As<int>().ToArray(), x => Assert.Equal(0x5A5A5A5A, x));
    }

    [Fact]
    public void OneTensorForTwoParametersIsOneMemory()
    {
        var i = R("i", "i64"); var v = R("v", "f32");
        var k = Kernel([Out("a", F32, 1), Out("b", F32, 1)], [1], Const(i, 0), ConstF(v, 5), new StoreStmt("a", i, v),
            new LoadStmt(v, "b", i), new StoreStmt("b", i, v));
        var t = Floats(0);
        MachineInterpreter.Run(k, [t, t]);
        Assert.Equal([5f], t.ToArray());
    }
}
