using System.Text;
using CsCheck;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Full stride-2 loads one element apart in a statement list (a stride-2 window's taps kw, kw + 1) share one
/// contiguous pair of vectors (KernelEmitter.Stride2Pairs): the native result must be bit-identical to the Machine
/// interpreter's for random rows of kw taps (2..5, in random order, so the upper of a pair may come first), rows a
/// random stride apart, 1..3 vectors per row, each tap stored to its own output rows (a wrong half or a wrong pair base
/// shows), the loads all before the stores or interleaved with them, and a memory that ends exactly at the last tap's
/// last element (a pair that read past it would fault or read the next allocation); on each 512-bit element type.</summary>
public class Stride2PairTests
{
    private static readonly DataType[] Elements =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    [Avx512Fact]
    public void AdjacentStride2LoadsShareAPairAndMatchTheInterpreter()
    {
        Gen.Select(Gen.Int[0, Elements.Length - 1], Gen.Int[2, 5], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, 7], Gen.Int[0, 1 << 20], Gen.Bool)
            .Sample((e, kw, rows, vectors, gap, seed, interleave) =>
            {
                var t = Elements[e];
                int lanes = Target.X86Avx512.Lanes(t);
                var order = Enumerable.Range(0, kw).OrderBy(k => (k * 7919 + seed) % 101).ToArray();
                var (kernel, length) = Kernel(t, lanes, kw, rows, vectors, gap, order, interleave);
                var native = (ClrNativeKernel)NativeHarness.Backend.Compile(kernel, NativeCompileOptions.Default);
                Assert.True(native.PairedStride2Loads >= 2, $"{native.PairedStride2Loads} paired loads");
                var x = TensorFactory.Create(t, [(int)length]);
                for (int i = 0; i < length; i++)
                    ScalarSemantics.Write(x, i, ScalarSemantics.IsFloat(t) ? Scalar.Float(i + 0.25) : Scalar.Int(i * 3 + 1));
                NativeHarness.AssertMatchesInterpreter(kernel, [x]);
            }, iter: 40);
    }

    /// <summary>Checked accesses (every access under <c>--checked</c>) keep their own loads: the pair's bounds are those
    /// of the two loads together.</summary>
    [Avx512Fact]
    public void CheckedLoadsDoNotPair()
    {
        var (kernel, length) = Kernel(DataType.Float32, 16, 3, 2, 2, 1, [0, 1, 2], false);
        var native = (ClrNativeKernel)NativeHarness.Backend.Compile(kernel, new NativeCompileOptions(Checked: true));
        Assert.Equal(0, native.PairedStride2Loads);
        var plain = (ClrNativeKernel)NativeHarness.Backend.Compile(kernel, NativeCompileOptions.Default);
        Assert.Equal(2, plain.PairedStride2Loads);  // taps 0 and 1 share a pair, tap 2 loads alone
    }

    /// <summary>Program p reads input row p (a row stride of 2·lanes·vectors + kw − 1 + gap), vector i of it at
    /// 2·i + k for each tap k, and stores tap k's vector to output row k·rows + p.</summary>
    private static (MachineKernel Kernel, long Length) Kernel(DataType t, int lanes, int kw, int rows, int vectors, int gap,
        int[] order, bool interleave)
    {
        string e = t.ShortName();
        long width = (long)lanes * vectors;
        long rowStride = 2 * width + kw - 1 + gap;
        // The last program's last vector's last tap reads element (rows − 1)·rowStride + 2·(width − 1) + kw − 1.
        long length = (rows - 1) * rowStride + 2 * (width - 1) + kw;
        var s = new StringBuilder();
        s.AppendLine($"machine.kernel @pairs target(x86-64-avx512) (%x: ptr<{e}>[{length}], %out: ptr<{e}>[{kw * rows * width}] output) programs({rows}) {{");
        s.AppendLine("  %c0 = const 0 : i64");
        s.AppendLine("  %c2 = const 2 : i64");
        s.AppendLine($"  %cw = const {width} : i64");
        s.AppendLine($"  %crs = const {rowStride} : i64");
        for (int k = 0; k < kw; k++)
        {
            s.AppendLine($"  %k{k} = const {k} : i64");
            s.AppendLine($"  %o{k} = const {(long)k * rows * width} : i64");
        }
        s.AppendLine("  %p = program_id 0 : i64");
        s.AppendLine("  %row = mul %p, %crs : i64");
        s.AppendLine("  %orow = mul %p, %cw : i64");
        s.AppendLine($"  loop %i = %c0 to %cw step {lanes} {{");
        s.AppendLine("    %j = mul %i, %c2 : i64");
        s.AppendLine("    %oi = add %orow, %i : i64");
        var stores = new List<string>();
        foreach (int k in order)
        {
            s.AppendLine($"    %jk{k} = add %j, %k{k} : i64");
            s.AppendLine($"    %ix{k} = add %row, %jk{k} : i64");
            s.AppendLine($"    %v{k} = load %x[%ix{k}] stride 2 : v{lanes}{e}");
            string store = $"    %ox{k} = add %oi, %o{k} : i64\n    store %out[%ox{k}], %v{k}";
            if (interleave) s.AppendLine(store);
            else stores.Add(store);
        }
        foreach (var store in stores) s.AppendLine(store);
        s.AppendLine("  }");
        s.AppendLine("}");
        return (MachineParser.Parse(s.ToString()), length);
    }
}
