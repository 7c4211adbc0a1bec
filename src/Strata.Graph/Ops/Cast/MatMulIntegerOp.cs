using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>MatMulInteger (opset 10): int32 matrix product of int8/uint8 operands after subtracting their zero
/// points (per tensor, per row of A, per column of B).</summary>
internal static class MatMulIntegerOp
{
    public static OpSchema Schema() => new("", "MatMulInteger",
        c => [new TensorType(DataType.Int32, QuantizedMatMul.InferShape(c.InputTensor(0)?.Shape, c.InputTensor(1)?.Shape))],
        c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var outShape = QuantizedMatMul.OutputShape(a.Shape, b.Shape, c);
        var av = QuantizedMatMul.CenteredInt32(a, c.OptionalInput(2), perRow: true, c);
        var bv = QuantizedMatMul.CenteredInt32(b, c.OptionalInput(3), perRow: false, c);
        return new Tensor<int>(QuantizedMatMul.Multiply(av, a.Shape, bv, b.Shape, outShape), outShape);
    }
}
