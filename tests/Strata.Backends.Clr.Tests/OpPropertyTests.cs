using CsCheck;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Every (op, element type) that ScalarSemantics defines, scalar and vector, on random values mixed with
/// special ones: the native result must be bit-identical to the Machine interpreter's (ScalarSemantics lane by
/// lane), whichever path — IL opcode, Math call, Vector op or fallback helper — the backend chose.</summary>
public class OpPropertyTests
{
    private const int N = 64;

    public static TheoryData<DataType> ScalarTypes => new(Sketch.ScalarTypes);

    /// <summary>(target, element, lanes) for vector registers: 2/4/8 lanes (generic-v128, avx2), or with
    /// <paramref name="wide"/> the 8/16-lane AVX-512 ones (run only by <see cref="SixteenLaneVectorOps"/>, which is
    /// skipped visibly on hosts without AVX-512F).</summary>
    public static IEnumerable<(Target Target, DataType Element, int Lanes)> VectorShapes(bool wide = false)
    {
        foreach (var target in wide ? [Target.X86Avx512] : new[] { Target.GenericV128, Target.X86Avx2 })
        {
            foreach (var t in Sketch.VectorTypes) yield return (target, t, target.Lanes(t));
            yield return (target, DataType.Bool, target.Lanes(DataType.Float32));
            yield return (target, DataType.Bool, target.Lanes(DataType.Float64));
        }
    }

    /// <summary>The binary ops defined on <paramref name="t"/> whose result is one value: all but maxnative (NaN and
    /// signed zeros left to the host; MaxNativeTests check it against its definition).</summary>
    private static IEnumerable<BinaryOp> BitExactBinaryOps(DataType t) =>
        Enum.GetValues<BinaryOp>().Where(op => ScalarSemantics.IsDefined(op, t) && op != BinaryOp.MaxNative);

    [Theory, MemberData(nameof(ScalarTypes))]
    public void ScalarUnaryOps(DataType t)
    {
        foreach (var op in Enum.GetValues<UnaryOp>().Where(op => ScalarSemantics.IsDefined(op, t)))
            CheckUnary(Target.X86Avx2, t, 1, op);
    }

    [Theory, MemberData(nameof(ScalarTypes))]
    public void ScalarBinaryOps(DataType t)
    {
        foreach (var op in BitExactBinaryOps(t))
            CheckBinary(Target.X86Avx2, t, 1, op);
    }

    [Theory, MemberData(nameof(ScalarTypes))]
    public void ScalarCasts(DataType from)
    {
        foreach (var to in Sketch.ScalarTypes) CheckCast(Target.X86Avx2, from, to, 1);
    }

    [Fact]
    public void VectorUnaryOps()
    {
        foreach (var (target, t, lanes) in VectorShapes())
            foreach (var op in Enum.GetValues<UnaryOp>().Where(op => ScalarSemantics.IsDefined(op, t)))
                CheckUnary(target, t, lanes, op);
    }

    [Fact]
    public void VectorBinaryOps()
    {
        foreach (var (target, t, lanes) in VectorShapes())
            foreach (var op in BitExactBinaryOps(t))
                CheckBinary(target, t, lanes, op);
    }

    [Fact]
    public void VectorCasts()
    {
        foreach (var (target, from, lanes) in VectorShapes())
            foreach (var to in Sketch.VectorTypes.Append(DataType.Bool))
                CheckCast(target, from, to, lanes);
    }

    [Avx512Fact]
    public void SixteenLaneVectorOps()
    {
        foreach (var (target, t, lanes) in VectorShapes(wide: true))
        {
            foreach (var op in Enum.GetValues<UnaryOp>().Where(op => ScalarSemantics.IsDefined(op, t))) CheckUnary(target, t, lanes, op);
            foreach (var op in BitExactBinaryOps(t)) CheckBinary(target, t, lanes, op);
            foreach (var to in Sketch.VectorTypes.Append(DataType.Bool)) CheckCast(target, t, to, lanes);
            CheckTernary(target, t, lanes);
        }
    }

    [Fact]
    public void FmaSelectBroadcastReduce()
    {
        foreach (var t in new[] { DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16 })
            CheckTernary(Target.X86Avx2, t, 1);
        foreach (var (target, t, lanes) in VectorShapes())
            CheckTernary(target, t, lanes);
        foreach (var t in Sketch.ScalarTypes) CheckTernary(Target.X86Avx2, t, 1);
    }

    /// <summary>Float → int edge cases (NaN, ±inf, out of range, fractions near the limits) on every fast path:
    /// scalar IL conversions and vector conversions must saturate and map NaN to 0 like ScalarSemantics.Cast.</summary>
    [Fact]
    public void FloatToIntCastEdgeCases()
    {
        double[] edges = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e30, -1e30, 2147483647.5, -2147483648.9,
            2147483648, 4294967295.5, 4294967296, 9.3e18, 1.9e19, -1, -0.5, 0.5, -0.0, 255.9, 65536.5];
        foreach (var (target, from, lanes) in VectorShapes().Where(v => v.Element is DataType.Float32 or DataType.Float64).Append((Target.X86Avx2, DataType.Float32, 1)).Append((Target.X86Avx2, DataType.Float64, 1)))
            foreach (var to in Sketch.ScalarTypes.Where(t => lanes == 1 || target.Lanes(t) == lanes))
            {
                if (ScalarSemantics.IsFloat(to)) continue;
                Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", from, lanes), r = Sketch.R("r", to, lanes);
                var k = Sketch.Kernel($"edge_{lanes}_{from.ShortName()}_{to.ShortName()}", target,
                    [Sketch.In("a", from, N), Sketch.Out("out", to, N)], [N / lanes],
                    [.. Sketch.Index(i, lanes), new LoadStmt(x, "a", i), new CastStmt(r, x), new StoreStmt("out", i, r)]);
                var data = TensorFactory.Create(from, [N]);
                for (int j = 0; j < N; j++) ScalarSemantics.Write(data, j, Scalar.Float(ScalarSemantics.RoundFloat(edges[j % edges.Length] * (j / edges.Length % 2 == 0 ? 1 : -1), from)));
                NativeHarness.AssertMatchesInterpreter(k, [data]);
            }
    }

    private static void CheckUnary(Target target, DataType t, int lanes, UnaryOp op)
    {
        Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", t, lanes), r = Sketch.R("r", ScalarSemantics.ResultType(op, t), lanes);
        var k = Sketch.Kernel($"{op.Name()}_{lanes}_{t.ShortName()}", target,
            [Sketch.In("a", t, N), Sketch.Out("out", r.Type.Element, N)], [N / lanes],
            [.. Sketch.Index(i, lanes), new LoadStmt(x, "a", i), new UnaryStmt(r, op, x), new StoreStmt("out", i, r)]);
        // f32 exp/erf/tanh/sigmoid vectors run VectorMath: within its documented ulp bound, not bit for bit.
        bool approximate = lanes > 1 && VectorMath.Handles(op, t, lanes * 32);   // (only f32 is handled)
        Check(k, bits => [Sketch.Data(t, bits[0])], approximate ? VectorMath.MaxUlps : 0);
    }

    private static void CheckBinary(Target target, DataType t, int lanes, BinaryOp op)
    {
        Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", t, lanes), y = Sketch.R("y", t, lanes),
            r = Sketch.R("r", ScalarSemantics.ResultType(op, t), lanes);
        var k = Sketch.Kernel($"{op.Name()}_{lanes}_{t.ShortName()}", target,
            [Sketch.In("a", t, N), Sketch.In("b", t, N), Sketch.Out("out", r.Type.Element, N)], [N / lanes],
            [.. Sketch.Index(i, lanes), new LoadStmt(x, "a", i), new LoadStmt(y, "b", i), new BinaryStmt(r, op, x, y), new StoreStmt("out", i, r)]);
        Check(k, bits => [Sketch.Data(t, bits[0]), Sketch.Data(t, bits[1])]);
    }

    private static void CheckCast(Target target, DataType from, DataType to, int lanes)
    {
        Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", from, lanes), r = Sketch.R("r", to, lanes);
        var k = Sketch.Kernel($"cast_{lanes}_{from.ShortName()}_{to.ShortName()}", target,
            [Sketch.In("a", from, N), Sketch.Out("out", to, N)], [N / lanes],
            [.. Sketch.Index(i, lanes), new LoadStmt(x, "a", i), new CastStmt(r, x), new StoreStmt("out", i, r)]);
        if (lanes > 1 && to != DataType.Bool && target.Lanes(to) != lanes)
        {
            // v8f32 → v8f64 on a 256-bit target is not a register of the target: refused, never miscompiled.
            var e = Assert.Throws<StrataException>(() => NativeHarness.Backend.Compile(k, new()));
            Assert.Equal(ErrorCode.VerificationFailed, e.Code);
            return;
        }
        Check(k, bits => [Sketch.Data(from, bits[0])]);
    }

    /// <summary>fma (float types), select on a comparison, broadcast of lane 0's scalar, and reduce_lanes.</summary>
    private static void CheckTernary(Target target, DataType t, int lanes)
    {
        Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", t, lanes), y = Sketch.R("y", t, lanes), z = Sketch.R("z", t, lanes),
            c = Sketch.R("c", DataType.Bool, lanes), r = Sketch.R("r", t, lanes), s = Sketch.R("s", t);
        var body = new List<MStmt>(Sketch.Index(i, lanes)) { new LoadStmt(x, "a", i), new LoadStmt(y, "b", i), new LoadStmt(z, "c", i) };
        body.Add(ScalarSemantics.IsFloat(t) ? new FmaStmt(r, x, y, z) : new MoveStmt(r, z));
        body.Add(new BinaryStmt(c, BinaryOp.Lt, x, y));
        body.Add(new SelectStmt(r, c, r, x));
        if (lanes > 1)
        {
            var reduced = new[] { ReduceOp.Sum, ReduceOp.Prod, ReduceOp.Max, ReduceOp.Min };
            var sum = Sketch.R("sum", t, lanes);
            body.Add(new MoveStmt(sum, r));
            foreach (var op in reduced)
            {
                body.Add(new ReduceLanesStmt(s, op, r));
                body.Add(new BroadcastStmt(y, s));
                body.Add(new BinaryStmt(sum, t == DataType.Bool ? BinaryOp.Xor : BinaryOp.Add, sum, y));
            }
            body.Add(new StoreStmt("out", i, sum));
        }
        else body.Add(new StoreStmt("out", i, r));
        var k = Sketch.Kernel($"ternary_{lanes}_{t.ShortName()}", target,
            [Sketch.In("a", t, N), Sketch.In("b", t, N), Sketch.In("c", t, N), Sketch.Out("out", t, N)], [N / lanes], [.. body]);
        Check(k, bits => [Sketch.Data(t, bits[0]), Sketch.Data(t, bits[1]), Sketch.Data(t, bits[2])]);
    }

    private static void Check(MachineKernel k, Func<ulong[][], Tensor[]> inputs, int maxUlps = 0)
    {
        try
        {
            Gen.ULong.Array[N].Array[3].Sample(bits => { NativeHarness.AssertMatchesInterpreter(k, inputs(bits), maxUlps: maxUlps); }, iter: 3, threads: 1);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"kernel @{k.Name} ({k.Target.Name}): {e.Message} {e.InnerException?.Message}");
        }
    }
}
