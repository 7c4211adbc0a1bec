using CsCheck;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Vector rsqrt and reciprocal (VectorRoots: double lanes, narrowed once) against the Machine interpreter
/// (ScalarSemantics' 1 / Math.Sqrt(v) and 1 / v, rounded to the lane type), bit for bit, on every register width:
/// the edges (NaN, ±0, ±inf, negatives, subnormals, f32 extremes, values whose double result lies near a tie) and
/// random bit patterns.</summary>
public class VectorRootsTests
{
    private const int N = 64;

    private static readonly double[] Edges =
    [
        double.NaN, -double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, -1, -1e-40, 1, 4, 2, 3, 0.25,
        1e-45, 1.4e-45, 1e-40, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, 1e38, 1e-38, 0.1, 7, 49, 1e30, 5.877e-39,
        8.507059e37, 1.0000001, 0.99999994, 16777215, 16777217, 1e300, 1e-300, 4.9e-324, double.MaxValue, -double.Epsilon,
    ];

    public static TheoryData<string, DataType, string> Cases()
    {
        var data = new TheoryData<string, DataType, string>();
        foreach (var target in new[] { "generic-v128", "x86-64-avx2" })
            foreach (var t in new[] { DataType.Float32, DataType.Float64 })
                foreach (var op in new[] { "Rsqrt", "Reciprocal" })
                    data.Add(target, t, op);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesInterpreterBitForBit(string targetName, DataType t, string opName) =>
        Check(Target.Known.First(k => k.Name == targetName), t, opName);

    /// <summary>The 512-bit registers (skipped visibly on hosts without AVX-512F).</summary>
    [Avx512Fact]
    public void SixteenLanesMatchInterpreterBitForBit()
    {
        foreach (var t in new[] { DataType.Float32, DataType.Float64 })
            foreach (var op in new[] { "Rsqrt", "Reciprocal" })
                Check(Target.X86Avx512, t, op);
    }

    private static void Check(Target target, DataType t, string opName)
    {
        var op = Enum.Parse<UnaryOp>(opName);
        int lanes = target.Lanes(t);
        Reg i = Sketch.R("i", DataType.Int64), x = Sketch.R("x", t, lanes), r = Sketch.R("r", t, lanes);
        var k = Sketch.Kernel($"{op.Name()}_{lanes}_{t.ShortName()}", target,
            [Sketch.In("a", t, N), Sketch.Out("out", t, N)], [N / lanes],
            [.. Sketch.Index(i, lanes), new LoadStmt(x, "a", i), new UnaryStmt(r, op, x), new StoreStmt("out", i, r)]);
        NativeHarness.AssertMatchesInterpreter(k, [Fill(t, j => Edges[j % Edges.Length])]);
        // Random positive and negative values over the whole exponent range, and raw bit patterns.
        Gen.Double[-40, 40].Array[N].Select(Gen.ULong.Array[N]).Sample((exps, raw) =>
        {
            NativeHarness.AssertMatchesInterpreter(k, [Fill(t, j => j % 3 == 2
                ? (t == DataType.Float32 ? BitConverter.UInt32BitsToSingle((uint)raw[j]) : BitConverter.UInt64BitsToDouble(raw[j]))
                : (j % 3 == 0 ? 1 : -1) * Math.Pow(10, exps[j]))]);
        }, iter: 50, threads: 1);
    }

    private static Tensor Fill(DataType t, Func<int, double> value)
    {
        var tensor = TensorFactory.Create(t, [N]);
        for (int j = 0; j < N; j++) ScalarSemantics.Write(tensor, j, Scalar.Float(ScalarSemantics.RoundFloat(value(j), t)));
        return tensor;
    }
}
