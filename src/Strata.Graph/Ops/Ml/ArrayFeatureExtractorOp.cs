using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.ml ArrayFeatureExtractor: selects the given indices along the last axis, [..., C] → [..., K]
/// (a 1-D input gives [1, K], as onnxruntime does).</summary>
internal static class ArrayFeatureExtractorOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.ml", "ArrayFeatureExtractor", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return [null];
        var shape = c.InputTensor(0)?.Shape;
        var k = c.InputShape(1) is { } ks ? Dim.Of(ShapeMath.Size(ks)) : Dim.Unknown;
        if (shape is null) return [new TensorType(et, null)];
        var dims = shape.Rank <= 1 ? [Dim.Of(1), k] : shape.Dims.SetItem(shape.Rank - 1, k).ToArray();
        return [new TensorType(et, Shape.Of(dims))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        var indices = TensorConvert.ToInt64s(c.Input(1));
        int columns = x.Rank == 0 ? 1 : x.Shape[^1];
        var picked = new int[indices.Length];
        for (int i = 0; i < picked.Length; i++)
        {
            if (indices[i] < 0 || indices[i] >= columns)
                throw c.Error(ErrorCode.IndexOutOfRange, $"index {indices[i]} is out of range for {columns} features");
            picked[i] = (int)indices[i];
        }
        int[] shape = x.Rank <= 1 ? [1, picked.Length] : [.. x.Shape[..^1], picked.Length];
        return [ElementDispatch.Invoke<PickFunc, Tensor>(x.DataType, new PickFunc(x, columns, picked, shape))];
    }

    private readonly struct PickFunc(Tensor x, int columns, int[] picked, int[] shape) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var src = x.As<T>().Span;
            var result = new Tensor<T>(shape);
            var dst = result.Span;
            int rows = columns == 0 ? 0 : src.Length / columns;
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < picked.Length; j++)
                    dst[r * picked.Length + j] = src[r * columns + picked[j]];
            return result;
        }
    }
}
