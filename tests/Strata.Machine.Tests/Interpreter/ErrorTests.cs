using Strata.Core;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Malformed kernels and wrong arguments fail with clear errors, never a crash.</summary>
public class ErrorTests
{
    private static StrataException Fails(MachineKernel k, params Tensor[] inputs) =>
        Assert.Throws<StrataException>(() => MachineInterpreter.Call(k, inputs));

    [Fact]
    public void ReadingAnUnassignedRegisterIsAnError()
    {
        var i = R("i", "i64"); var v = R("v", "f32"); var c = R("c", "bool");
        // %v is assigned only on the then-branch, which does not run.
        var k = Kernel([Out("out", F32, 1)], [1], Const(i, 0), Const(c, 0), If(c, [ConstF(v, 1)]), new StoreStmt("out", i, v));
        var e = Fails(k);
        Assert.Equal(ErrorCode.UndefinedValue, e.Code);
        Assert.Contains("register %v is read before it is assigned", e.Message);
        Assert.Contains("store %out[%i], %v", e.Message);
    }

    [Fact]
    public void RegistersDoNotCarryOverBetweenInstances()
    {
        // Instance 0 assigns %v; instance 1 does not and reads it.
        var p = R("p", "i64"); var z = R("z", "i64"); var c = R("c", "bool"); var v = R("v", "f32");
        var k = Kernel([Out("out", F32, 2)], [2], new ProgramIdStmt(p, 0), Const(z, 0), new BinaryStmt(c, BinaryOp.Eq, p, z),
            If(c, [ConstF(v, 1)]), new StoreStmt("out", p, v));
        Assert.Contains("program (1)", Fails(k).Message);
    }

    [Fact]
    public void ArgumentsMustMatchTheParametersExactly()
    {
        var i = R("i", "i64"); var v = R("v", "f32");
        var k = Kernel([In("x", F32, 2, 3), Out("out", F32, 1)], [1], Const(i, 0), new LoadStmt(v, "x", i), new StoreStmt("out", i, v));
        Assert.Equal(ErrorCode.InputTypeMismatch, Fails(k, Floats(new float[6])).Code);
        Assert.Equal(ErrorCode.InputTypeMismatch, Fails(k, Tensor<double>.FromArray(new double[6], 2, 3)).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Fails(k).Code);
        Assert.Single(MachineInterpreter.Call(k, [Tensor<float>.FromArray(new float[6], 2, 3)]));
    }

    [Fact]
    public void StaticRulesAreCheckedBeforeRunning()
    {
        var i = R("i", "i64"); var v = R("v", "f32"); var w = R("w", "v8f32"); var d = R("d", "f64");
        // A store to an input.
        Assert.Equal(ErrorCode.InvalidIr, Fails(Kernel([In("x", F32, 1), Out("out", F32, 1)], [1], Const(i, 0), ConstF(v, 1), new StoreStmt("x", i, v)), Floats(0)).Code);
        // Element types of memory and register disagree.
        Assert.Equal(ErrorCode.TypeMismatch, Fails(Kernel([Out("out", F32, 1)], [1], Const(i, 0), ConstF(d, 1), new StoreStmt("out", i, d))).Code);
        // Operands of a binary op disagree in lanes.
        Assert.Equal(ErrorCode.TypeMismatch, Fails(Kernel([Out("out", F32, 1)], [1], ConstF(v, 1), ConstF(w, 1), new BinaryStmt(w, BinaryOp.Add, v, w))).Code);
        // One register name with two types.
        Assert.Equal(ErrorCode.TypeMismatch, Fails(Kernel([Out("out", F32, 1)], [1], ConstF(v, 1), ConstF(R("v", "f64"), 1))).Code);
        // fma on integers.
        var n = R("n", "i64");
        Assert.Equal(ErrorCode.TypeMismatch, Fails(Kernel([Out("out", F32, 1)], [1], Const(n, 1), new FmaStmt(n, n, n, n))).Code);
        // A loop body assigning the induction variable.
        var e = Fails(Kernel([Out("out", F32, 1)], [1], Const(i, 0), Const(n, 3), Loop(R("j", "i64"), i, n, 1, Const(R("j", "i64"), 7))));
        Assert.Contains("assigns the induction variable %j", e.Message);
        // An unknown memory, a program_id axis beyond the grid.
        Assert.Equal(ErrorCode.UndefinedValue, Fails(Kernel([Out("out", F32, 1)], [1], Const(i, 0), new LoadStmt(v, "nope", i))).Code);
        Assert.Equal(ErrorCode.InvalidIr, Fails(Kernel([Out("out", F32, 1)], [1], new ProgramIdStmt(i, 1))).Code);
        // A float index.
        Assert.Equal(ErrorCode.TypeMismatch, Fails(Kernel([Out("out", F32, 1)], [1], ConstF(v, 0), new LoadStmt(v, "out", v))).Code);
    }

    [Fact]
    public void AnEmptyGridRunsNothing()
    {
        var i = R("i", "i64"); var v = R("v", "f32");
        var k = Kernel([Out("out", F32, 1)], [0], Const(i, 5), ConstF(v, 1), new StoreStmt("out", i, v));
        Assert.Equal([0f], Run1F(k));
    }
}
