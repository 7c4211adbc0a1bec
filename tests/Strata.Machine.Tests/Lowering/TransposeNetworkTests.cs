using System.Collections.Immutable;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Text;
using Strata.Machine.Verification;

namespace Strata.Machine.Tests.Lowering;

/// <summary><see cref="ShuffleStmt"/> in the interpreter (lane l of the result is lane idx[l] of a ++ b, the result
/// may overwrite an operand) and the verifier, and <see cref="TransposeNetwork"/>: a lanes × lanes block of random
/// values loaded as rows comes out as its columns, for every vector lane count and 4- and 8-byte element.</summary>
public class TransposeNetworkTests
{
    [Fact]
    public void Shuffle_picks_lanes_of_both_operands_and_may_overwrite_one()
    {
        var k = MachineParser.Parse(Golden.Read("text/shuffle"));
        var x = Enumerable.Range(0, 16).Select(i => (float)(i + 100)).ToArray();
        var got = MachineInterpreter.Call(k, [Tensor<float>.FromArray(x, 16)])[0].As<float>().ToArray();
        // lo = a0 b0 a1 b1 a4 b4 a5 b5; hi = a2 b2 a3 b3 a6 b6 a7 b7 (a = x[0..8), b = x[8..16)).
        float[] lo = [100, 108, 101, 109, 104, 112, 105, 113], hi = [102, 110, 103, 111, 106, 114, 107, 115];
        int[] pick = [15, 0, 0, 3, 8, 8, 2, 7];
        float[] expected = [.. pick.Select(i => i < 8 ? lo[i] : hi[i - 8]), .. hi];
        Assert.Equal(expected, got);
    }

    [Fact]
    public void The_verifier_rejects_wrong_lane_indices_and_types()
    {
        string Kernel(string shuffle) => $$"""
            machine.kernel @k target(x86-64-avx2) (%x: ptr<f32>[8], %out: ptr<f32>[8] output) programs() {
              %c0 = const 0 : i64
              %a = load %x[%c0] : v8f32
              {{shuffle}}
              store %out[%c0], %r
            }
            """;
        Assert.DoesNotContain(MachineVerifier.Diagnose(MachineParser.Parse(Kernel("%r = shuffle %a, %a [0, 1, 2, 3, 12, 13, 14, 15] : v8f32"))), d => d.IsError);
        Assert.Contains(MachineVerifier.Diagnose(MachineParser.Parse(Kernel("%r = shuffle %a, %a [0, 1, 2, 3, 12, 13, 14, 16] : v8f32"))), d => d.IsError);
        Assert.Contains(MachineVerifier.Diagnose(MachineParser.Parse(Kernel("%r = shuffle %a, %a [0, 1, 2, 3] : v8f32"))), d => d.IsError);
    }

    public static TheoryData<string, string> Shapes() => new()
    {
        { "generic-v128", "f32" }, { "x86-64-avx2", "f32" }, { "x86-64-avx512", "f32" },
        { "generic-v128", "i32" }, { "x86-64-avx512", "u32" },
        { "generic-v128", "f64" }, { "x86-64-avx2", "f64" }, { "x86-64-avx512", "f64" }, { "x86-64-avx512", "i64" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_network_transposes_a_block(string target, string element)
    {
        var k = Kernel(Target.Known.Single(t => t.Name == target), Enum.GetValues<DataType>().Single(d => d.ShortName() == element), out int n);
        Assert.DoesNotContain(MachineVerifier.Diagnose(k), d => d.IsError);
        int log = System.Numerics.BitOperations.Log2((uint)n);
        Assert.Equal(n * log, Count(k.Body));
        Gen.Int[0, 1000].Array[n * n].Sample(values =>
        {
            var input = TensorConvert.FromDoubles(k.Params[0].Element, [.. values.Select(v => (double)v)], [n * n]);
            var got = TensorConvert.ToDoubles(MachineInterpreter.Call(k, [input])[0]);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                    Assert.Equal(values[r * n + c], got[c * n + r]);
        }, iter: 20);
    }

    private static int Count(ImmutableArray<MStmt> body) => body.Count(s => s is ShuffleStmt);

    /// <summary>Loads n rows of n lanes from %x, transposes them, stores column c at %out[c·n].</summary>
    public static MachineKernel Kernel(Target target, DataType element, out int n)
    {
        n = target.Lanes(element);
        var vt = MType.Vector(element, n);
        var body = new List<MStmt>();
        int fresh = 0;
        var rows = new List<Reg>();
        var offsets = new List<Reg>();
        for (int r = 0; r < n; r++)
        {
            var at = new Reg("o" + r, MType.I64);
            body.Add(new ConstStmt(at, Strata.Tile.Scalar.Int(r * n)));
            offsets.Add(at);
            var row = new Reg("r" + r, vt);
            body.Add(new LoadStmt(row, "x", at));
            rows.Add(row);
        }
        var columns = TransposeNetwork.Emit(rows, (hint, t) => new Reg(hint + fresh++, t), body.Add);
        for (int c = 0; c < n; c++) body.Add(new StoreStmt("out", offsets[c], columns[c]));
        return new MachineKernel("transpose", target,
            [new BlockParam("x", element, [n * n], ParamRole.Input), new BlockParam("out", element, [n * n], ParamRole.Output)],
            [], [], [.. body]);
    }
}
