using CsCheck;
using Strata.Block.Text;
using Strata.Block.Verification;
using Strata.Core;
using Strata.Tile;
using static Strata.Block.Tests.KernelSketch;

namespace Strata.Block.Tests.Verification;

public class BlockVerifierTests
{
    private const string Marker = "# diagnostics:";

    public static TheoryData<string> VerifyGoldens() => [.. Golden.All("verify")];

    /// <summary>golden/verify/*.strata: a kernel, then the verifier's diagnostics as comments after
    /// <c># diagnostics:</c> (regenerated with STRATA_ACCEPT=1).</summary>
    [Theory]
    [MemberData(nameof(VerifyGoldens))]
    public void GoldenDiagnostics(string name)
    {
        var text = Golden.Read(name);
        int cut = text.IndexOf(Marker, StringComparison.Ordinal);
        var input = cut < 0 ? text : text[..cut];
        var diagnostics = BlockVerifier.Diagnose(BlockParser.Parse(input));
        var expected = input + Marker + "\n" + (diagnostics.Count == 0 ? "# (none)\n" : string.Concat(diagnostics.Select(d => "# " + d + "\n")));
        Golden.Check(name, expected);
    }

    [Fact]
    public void SampleKernelsVerifyClean()
    {
        Gen.Select(Gen.Int[1, 30], Gen.Int[1, 30], Gen.Int[1, 30], Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[1, 8]).Sample(t =>
        {
            var (m, n, k, bm, bn, bk) = t;
            foreach (var kernel in new[] { SampleKernels.Copy(m, n, bm, bn), SampleKernels.AddBias(m, n, bm, bn), SampleKernels.Matmul(m, n, k, bm, bn, bk), SampleKernels.Softmax(m, n, bm, 32) })
                Assert.Empty(BlockVerifier.Diagnose(kernel));
        }, iter: 40);
    }

    /// <summary>A tiled copy whose masks are right, partial, missing or off by one.</summary>
    private static BlockKernel Tiled(int m, int n, int bm, int bn, int maskKind)
    {
        var s = new KernelSketch();
        var x = Param("x", DataType.Float32, ParamRole.Input, m, n);
        var o = Param("out", DataType.Float32, ParamRole.Output, m, n);
        var (rm2, rn, mm, mn, mask) = SampleKernels.Tile(s, m, n, bm, bn);
        var le = s.Binary("le", BinaryOp.Le, rn, s.Const("cn2", n));
        BlockValue? chosen = maskKind switch
        {
            0 => mask,
            1 => mm,
            2 => mn,
            3 => null,
            _ => s.Binary("offbyone", BinaryOp.And, mm, le),
        };
        var v = s.Load("v", x, [rm2, rn], chosen);
        s.Store(o, [rm2, rn], v, chosen);
        return s.Build("tiled", [x, o], CeilDiv(m, bm), CeilDiv(n, bn));
    }

    /// <summary>With small grids the bounds check visits every instance and every index is known, so it is exact:
    /// it reports an out-of-range index exactly when the interpreter hits one.</summary>
    [Fact]
    public void BoundsCheckAgreesWithTheInterpreter()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[0, 4]).Sample(t =>
        {
            var (m, n, bm, bn, kind) = t;
            var kernel = Tiled(m, n, bm, bn, kind);
            bool reported = BlockVerifier.Diagnose(kernel).Any(d => d.Code == ErrorCode.IndexOutOfRange);
            bool thrown = false;
            try { BlockInterpreter.Call(kernel, [new Tensor<float>([m, n])]); }
            catch (StrataException e) when (e.Code == ErrorCode.IndexOutOfRange) { thrown = true; }
            Assert.Equal(thrown, reported);
            if (kind == 0) Assert.False(reported);
        }, iter: 200);
    }

    private static BlockValue Idx0(string name) => new(name, BlockType.Scalar(DataType.Int64));

    [Fact]
    public void SsaViolationsInHandBuiltKernels()
    {
        var o = Param("out", DataType.Int64, ParamRole.Output, 1);
        var a = Idx0("a");
        var t = Idx0("t");
        var r = new BlockValue("r", BlockType.Of(DataType.Int64, 1));
        var loop = new ForOp([], Idx0("i"), a, a, 1, [], [], [new BinaryBlockOp(t, BinaryOp.Add, a, a)], []);
        var kernel = new BlockKernel("ssa", [o], [1],
        [
            new BinaryBlockOp(Idx0("early"), BinaryOp.Add, a, a),                       // a used before its definition
            new ConstantOp(a, Scalar.Int(1)),
            new ConstantOp(a, Scalar.Int(2)),                                          // a defined twice
            new ConstantOp(new BlockValue("out", BlockType.Scalar(DataType.Int64)), Scalar.Int(0)), // shadows a parameter
            loop,
            new BinaryBlockOp(Idx0("late"), BinaryOp.Add, t, a),                        // t stays in the loop
            new BinaryBlockOp(Idx0("wrongtype"), BinaryOp.Add, new BlockValue("a", BlockType.Of(DataType.Int64, 2)), a),
            new ArangeOp(r, a, 1),
            new StoreOp("out", [r], r, null),
            new StoreOp("nowhere", [r], r, null),
        ]);
        var d = BlockVerifier.Diagnose(kernel).Select(x => x.ToString()).ToList();
        Assert.Contains(d, x => x.StartsWith("error E2006") && x.Contains("%early = add %a, %a") && x.Contains("%a is not defined before this use"));
        Assert.Contains(d, x => x.StartsWith("error E2001") && x.Contains("%a = constant 2 : index: %a is defined more than once"));
        Assert.Contains(d, x => x.Contains("%out has the name of a parameter"));
        Assert.Contains(d, x => x.StartsWith("error E2006") && x.Contains("%t is not visible here"));
        Assert.Contains(d, x => x.StartsWith("error E2002") && x.Contains("%a is used as index[2] but defined as index"));
        Assert.Contains(d, x => x.Contains("%nowhere is not a parameter"));
        Assert.True(6 == d.Count, string.Join("\n", d));
    }

    [Fact]
    public void LoopShapeAndLiteralProblems()
    {
        var o = Param("out", DataType.Float32, ParamRole.Output, 1);
        var c = Idx0("c");
        var f = new BlockValue("f", BlockType.Scalar(DataType.Float32));
        var res = new BlockValue("res", BlockType.Scalar(DataType.Float32));
        var loop = new ForOp([res, Idx0("extra")], new BlockValue("i", BlockType.Scalar(DataType.Int32)), c, c, 0, [Idx0("x")], [f], [], [f]);
        var kernel = new BlockKernel("loops", [o], [0],
        [
            new ConstantOp(c, Scalar.Float(1.5)),     // a float payload for an index constant
            new ConstantOp(f, Scalar.Float(0.1)),     // not an f32 value
            loop,
        ]);
        var d = BlockVerifier.Diagnose(kernel).Select(x => x.ToString()).ToList();
        Assert.Contains(d, x => x.Contains("grid extent 0 is 0"));
        Assert.Contains(d, x => x.Contains("constant (I=0, F=1.5) is not a value of type index"));
        Assert.Contains(d, x => x.Contains("constant (I=0, F=0.1) is not a value of type f32"));
        Assert.Contains(d, x => x.Contains("loop step must be positive, not 0"));
        Assert.Contains(d, x => x.Contains("1 iter args, 1 inits, 1 yields and 2 results"));
        Assert.Contains(d, x => x.Contains("%i must be index (a scalar i64), not i32"));
        Assert.Contains(d, x => x.Contains("init %f is f32 but iter arg %x is index"));
        Assert.Contains(d, x => x.Contains("yield %f is f32 but iter arg %x is index"));
        Assert.Contains(d, x => x.Contains("result %res is f32 but iter arg %x is index"));
        Assert.Contains(d, x => x.StartsWith("warning") && x.Contains("output %out is never stored to"));
    }

    [Fact]
    public void VerifyThrowsWithEveryError()
    {
        var text = Golden.Read("verify/types");
        var kernel = BlockParser.Parse(text[..text.IndexOf(Marker, StringComparison.Ordinal)]);
        var errors = BlockVerifier.Diagnose(kernel).Count(d => d.IsError);
        var e = Assert.Throws<StrataException>(() => BlockVerifier.Verify(kernel));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains($"({errors} errors)", e.Message);
        Assert.Equal(errors + 1, e.Message.Split('\n').Length);
        BlockVerifier.Verify(SampleKernels.Matmul(5, 6, 7, 2, 4, 3));
    }

    [Fact]
    public void LargeGridsCheckTheCornerInstances()
    {
        // 300 x 300 instances (more than the exhaustive limit): the overhang is in the last row/column of
        // instances, which the corner sampling visits.
        var kernel = Tiled(599, 599, 2, 2, 1);
        var d = BlockVerifier.Diagnose(kernel);
        Assert.Equal(2, d.Count);
        Assert.All(d, e => Assert.Equal(ErrorCode.IndexOutOfRange, e.Code));
        Assert.Contains("index 599 of dim 1 is out of range for %x [599,599] in program (0, 299), lane [0,1] where the mask is true", d[0].Message);
        Assert.StartsWith("block kernel @tiled: store %out", d[1].Location);
    }
}
