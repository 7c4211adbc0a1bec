using System.Collections.Immutable;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Lowering;

namespace Strata.Backends.Clr.Tests;

/// <summary><c>shuffle</c> natively, bit-identical to the Machine interpreter on every vector width and 4/8-byte
/// element type: random lane indices (the general two-source permute), the f32 patterns x86 does in one instruction
/// (unpack lo/hi and shufps repeated in every 128-bit block, whole 128-bit blocks), a result that overwrites its
/// operand, and <see cref="TransposeNetwork"/>'s transpose of random blocks. (The scalar target has no vectors.)</summary>
public class ShuffleTests
{
    private static readonly DataType[] Elements =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    private static Target[] Targets => System.Runtime.Intrinsics.X86.Avx512F.IsSupported
        ? [Target.GenericV128, Target.X86Avx2, Target.X86Avx512] : [Target.GenericV128, Target.X86Avx2];

    [Fact]
    public void Random_lane_indices_match_the_interpreter()
    {
        foreach (var target in Targets)
            foreach (var t in Elements)
            {
                int n = target.Lanes(t);
                Gen.Select(Gen.Int[0, 2 * n - 1].Array[n], Gen.ULong.Array[2 * n], Gen.Bool).Sample((lanes, bits, inPlace) =>
                    Check(target, t, lanes, bits, inPlace), iter: 25);
            }
    }

    /// <summary>Patterns the f32 emitter turns into one instruction: a 4-lane pattern (2 from a, 2 from b, or an
    /// unpack) in every 128-bit block, or whole blocks (vperm2f128 on 256 bits: any half; vshuff32x4 on 512: two of
    /// a's blocks then two of b's); also patterns that almost match (a block differs), which must not.</summary>
    [Fact]
    public void One_instruction_f32_patterns_match_the_interpreter()
    {
        foreach (var target in Targets)
        {
            int n = target.Lanes(DataType.Float32);
            var perBlock = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[4, 7], Gen.Int[4, 7], Gen.Int[0, 2])
                .Select((p0, p1, p2, p3, kind) => kind == 0 ? new[] { 0, 4, 1, 5 } : kind == 1 ? [2, 6, 3, 7] : [p0, p1, p2, p3]);
            var blocks = Gen.Int[0, 2 * n / 4 - 1].Array[n / 4];
            Gen.Select(perBlock, blocks, Gen.Int[0, 2], Gen.ULong.Array[2 * n], Gen.Bool).Sample((p, b, kind, bits, inPlace) =>
            {
                if (kind == 2 && n == 16) { b[0] %= 4; b[1] %= 4; b[2] = b[2] % 4 + 4; b[3] = b[3] % 4 + 4; }
                int[] lanes = kind == 0 || n == 4
                    ? [.. Enumerable.Range(0, n).Select(l => { int c = p[l % 4], k = l / 4 * 4; return c < 4 ? c + k : n + c - 4 + k; })]
                    : [.. Enumerable.Range(0, n).Select(l => b[l / 4] * 4 + l % 4)];
                Check(target, DataType.Float32, lanes, bits, inPlace);
                // The same pattern with one lane moved within its block.
                var near = (int[])lanes.Clone();
                near[n - 1] = near[n - 1] % 4 == 0 ? near[n - 1] + 1 : near[n - 1] - 1;
                Check(target, DataType.Float32, near, bits, inPlace);
            }, iter: 40);
        }
    }

    [Fact]
    public void The_transpose_network_transposes_natively()
    {
        foreach (var target in Targets)
            foreach (var t in Elements)
            {
                var k = TransposeKernel(target, t, out int n);
                Gen.Int[0, 100000].Array[n * n].Sample(values =>
                {
                    var x = TensorConvert.FromDoubles(t, [.. values.Select(v => (double)v)], [n * n]);
                    var got = TensorConvert.ToDoubles(NativeHarness.AssertMatchesInterpreter(k, [x])[0]);
                    for (int r = 0; r < n; r++)
                        for (int c = 0; c < n; c++)
                            Assert.Equal(values[r * n + c], got[c * n + r]);
                }, iter: 5);
            }
    }

    private static void Check(Target target, DataType t, int[] lanes, ulong[] bits, bool inPlace)
    {
        int n = target.Lanes(t);
        var vt = MType.Vector(t, n);
        Reg c0 = new("c0", MType.I64), cn = new("cn", MType.I64), a = new("a", vt), b = new("b", vt), r = inPlace ? a : new("r", vt);
        var k = new MachineKernel("shuffle", target,
            [Sketch.In("x", t, 2 * n), Sketch.Out("out", t, n)], [], [],
            [new ConstStmt(c0, Strata.Tile.Scalar.Int(0)), new ConstStmt(cn, Strata.Tile.Scalar.Int(n)),
             new LoadStmt(a, "x", c0), new LoadStmt(b, "x", cn), new ShuffleStmt(r, a, b, [.. lanes]), new StoreStmt("out", c0, r)]);
        var x = Sketch.Data(t, bits);
        var got = NativeHarness.AssertMatchesInterpreter(k, [x])[0];
        // Bit patterns too (the harness lets NaNs of any payload match): a shuffle moves lanes, it changes no bits.
        for (int l = 0; l < n; l++)
            Assert.Equal(Bits(x, lanes[l]), Bits(got, l));
    }

    private static ulong Bits(Tensor t, int i) => t.GetValue(i) switch
    {
        float f => BitConverter.SingleToUInt32Bits(f),
        double d => BitConverter.DoubleToUInt64Bits(d),
        int v => (uint)v,
        long v => (ulong)v,
        uint v => v,
        ulong v => v,
        var v => throw new ArgumentException($"{v}"),
    };

    /// <summary>Loads n rows of n lanes from %x, transposes them, stores column c at %out[c·n].</summary>
    private static MachineKernel TransposeKernel(Target target, DataType element, out int n)
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
        return new MachineKernel("transpose", target, [Sketch.In("x", element, n * n), Sketch.Out("out", element, n * n)],
            [], [], [.. body]);
    }
}
