using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Terse construction of hand-written Machine kernels for tests.</summary>
internal static class MachineSketch
{
    public static readonly DataType F32 = DataType.Float32;
    public static readonly DataType F64 = DataType.Float64;
    public static readonly DataType I32 = DataType.Int32;
    public static readonly DataType I64 = DataType.Int64;

    /// <summary>A register from a type written as in the text form: <c>f32</c>, <c>i64</c>, <c>v8f32</c>, <c>v4bool</c>.</summary>
    public static Reg R(string name, string type)
    {
        int lanes = 1;
        string element = type;
        if (type.StartsWith('v'))
        {
            int i = 1;
            while (char.IsDigit(type[i])) i++;
            lanes = int.Parse(type[1..i]);
            element = type[i..];
        }
        var t = Enum.GetValues<DataType>().First(d => d.ShortName() == element);
        return new Reg(name, new MType(t, lanes));
    }

    public static BlockParam In(string name, DataType t, params long[] shape) => new(name, t, [.. shape], ParamRole.Input);
    public static BlockParam Out(string name, DataType t, params long[] shape) => new(name, t, [.. shape], ParamRole.Output);
    public static BlockParam Scratch(string name, DataType t, params long[] shape) => new(name, t, [.. shape], ParamRole.Scratch);

    public static MachineKernel Kernel(BlockParam[] ps, long[] grid, params MStmt[] body) =>
        Kernel(ps, grid, [], body);

    public static MachineKernel Kernel(BlockParam[] ps, long[] grid, LocalBuffer[] buffers, params MStmt[] body) =>
        new("k", Target.X86Avx2, [.. ps], [.. grid], [.. buffers], [.. body]);

    public static ConstStmt Const(Reg r, long v) => new(r, Scalar.Int(v));
    public static ConstStmt ConstF(Reg r, double v) => new(r, Scalar.Float(v));
    public static LoopStmt Loop(Reg v, Reg lo, Reg hi, long step, params MStmt[] body) => new(v, lo, hi, step, [.. body]);
    public static IfStmt If(Reg c, MStmt[] then, params MStmt[] otherwise) => new(c, [.. then], [.. otherwise]);

    public static Tensor<float> Floats(params float[] data) => Tensor<float>.FromArray(data, data.Length);
    public static Tensor<long> Longs(params long[] data) => Tensor<long>.FromArray(data, data.Length);

    public static float[] Run1F(MachineKernel k, params Tensor[] inputs) => MachineInterpreter.Call(k, inputs)[0].As<float>().ToArray();
}

/// <summary>Runs statements in a one-instance kernel and returns the lanes of one register (stored to an output).</summary>
internal static class Eval
{
    public static double[] Lanes(Reg result, params MStmt[] body) => Lanes(null, result, body);

    /// <summary>The same with an input %x (f32) that <paramref name="body"/> may load from; %zero_ is index 0.</summary>
    public static double[] Lanes(float[]? x, Reg result, params MStmt[] body)
    {
        var zero = new Reg("zero_", MType.I64);
        BlockParam[] ps = x is null ? [MachineSketch.Out("out", result.Type.Element, result.Type.Lanes)]
            : [MachineSketch.In("x", DataType.Float32, x.Length), MachineSketch.Out("out", result.Type.Element, result.Type.Lanes)];
        var k = MachineSketch.Kernel(ps, [1], [new ConstStmt(zero, Scalar.Int(0)), .. body, new StoreStmt("out", zero, result)]);
        var t = MachineInterpreter.Call(k, x is null ? [] : [MachineSketch.Floats(x)])[0];
        return Enumerable.Range(0, t.Length).Select(i => Convert.ToDouble(t.GetValue(i))).ToArray();
    }

    public static Reg Zero => new("zero_", MType.I64);
}
