using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>DynamicQuantizeLinear (opset 11): uint8 quantization of a float tensor with a scale and zero point
/// computed from its range (which always includes 0), in float32 arithmetic as the spec writes it:
/// <c>scale = (max - min) / 255</c>, <c>zero_point = round(clamp(-min / scale, 0, 255))</c>,
/// <c>y = clamp(round(x / scale) + zero_point, 0, 255)</c>, rounding half to even.</summary>
internal static class DynamicQuantizeLinearOp
{
    public static OpSchema Schema() => new("", "DynamicQuantizeLinear",
        c => [c.InputTensor(0) is { } x ? new TensorType(DataType.UInt8, x.Shape) : null,
              Infer.Tensor(DataType.Float32), Infer.Tensor(DataType.UInt8)],
        Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input<float>(0);
        var xs = x.Span;
        float max = 0, min = 0;
        foreach (float v in xs)
        {
            max = MathF.Max(max, v);
            min = MathF.Min(min, v);
        }
        float scale = (max == min ? 1f : max - min) / 255f;
        float zeroPoint = MathF.Round(Math.Clamp(0f - min / scale, 0f, 255f), MidpointRounding.ToEven);
        var y = new byte[xs.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = (byte)Math.Clamp(MathF.Round(xs[i] / scale, MidpointRounding.ToEven) + zeroPoint, 0f, 255f);
        return [new Tensor<byte>(y, x.Shape), Tensor<float>.Scalar(scale), Tensor<byte>.Scalar((byte)zeroPoint)];
    }
}
