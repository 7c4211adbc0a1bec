using System.Collections.Immutable;
using System.Runtime.Intrinsics.X86;
using Strata.Block;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Tests;

/// <summary>Terse construction of Machine kernels and test data.</summary>
internal static class Sketch
{
    /// <summary>The 12 element types with a CLR register type, and bool.</summary>
    public static readonly DataType[] ScalarTypes =
    [
        DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16, DataType.Int8, DataType.Int16,
        DataType.Int32, DataType.Int64, DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64, DataType.Bool,
    ];

    public static readonly DataType[] VectorTypes =
        [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    public static Reg R(string name, DataType t, int lanes = 1) => new(name, new MType(t, lanes));

    public static BlockParam In(string name, DataType t, long n) => new(name, t, [n], ParamRole.Input);
    public static BlockParam Out(string name, DataType t, long n) => new(name, t, [n], ParamRole.Output);

    public static MachineKernel Kernel(string name, Target target, BlockParam[] ps, long[] grid, params MStmt[] body) =>
        new(name, target, [.. ps], [.. grid], ImmutableArray<LocalBuffer>.Empty, [.. body]);

    /// <summary>Statements computing %i = program_id 0 × lanes (the first element this instance handles).</summary>
    public static MStmt[] Index(Reg i, int lanes)
    {
        if (lanes == 1) return [new ProgramIdStmt(i, 0)];
        var p = R("p_", DataType.Int64);
        var l = R("lanes_", DataType.Int64);
        return [new ProgramIdStmt(p, 0), new ConstStmt(l, Scalar.Int(lanes)), new BinaryStmt(i, BinaryOp.Mul, p, l)];
    }

    /// <summary>A tensor of <paramref name="t"/> holding values drawn from <paramref name="bits"/>: a mix of special
    /// values (NaN, ±inf, ±0, extremes, shift widths), raw bit patterns, small integers and halves.</summary>
    public static Tensor Data(DataType t, ulong[] bits)
    {
        var tensor = TensorFactory.Create(t, [bits.Length]);
        for (int i = 0; i < bits.Length; i++) ScalarSemantics.Write(tensor, i, Value(t, bits[i]));
        return tensor;
    }

    public static Scalar Value(DataType t, ulong u)
    {
        int pick = (int)(u & 3);
        ulong rest = u >> 2;
        if (ScalarSemantics.IsFloat(t))
        {
            double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1, -1, 0.5, -2.5,
                3.5, 1e30, -1e30, 65504, 1e-40, float.MaxValue, 2.5, 1e300];
            double v = pick switch
            {
                0 => specials[rest % (ulong)specials.Length],
                1 => t == DataType.Float64 ? BitConverter.UInt64BitsToDouble(rest) : BitConverter.UInt32BitsToSingle((uint)rest),
                2 => ((long)(rest % 41) - 20) * 0.5,
                _ => (rest % 1_000_000) / 125_000.0 - 4,
            };
            return Scalar.Float(ScalarSemantics.RoundFloat(v, t));
        }
        long[] ints = [0, 1, -1, 2, long.MinValue, long.MaxValue, int.MinValue, int.MaxValue, 7, 8, 15, 16, 31, 32, 63, 64, -128, 127, 255];
        long x = pick switch
        {
            0 => ints[rest % (ulong)ints.Length],
            1 => (long)rest ^ (long)(u << 62),
            2 => (long)(rest % 21) - 10,
            _ => (long)(rest % 70),
        };
        return Scalar.Int(ScalarSemantics.WrapInt(x, t));
    }
}

/// <summary>A fact that is skipped (visibly) on hosts without AVX-512F.</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!Avx512F.IsSupported) Skip = "this host has no AVX-512F: 16-lane kernels cannot run natively here";
    }
}
