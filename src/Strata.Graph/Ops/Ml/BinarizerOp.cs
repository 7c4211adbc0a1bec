using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.ml Binarizer: 1 where x &gt; threshold, else 0, in the input's type.</summary>
internal static class BinarizerOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.ml", "Binarizer", c => [Infer.SameAs(c, 0)], Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        double threshold = c.Float("threshold", 0f);
        var v = TensorConvert.ToDoubles(x);
        for (int i = 0; i < v.Length; i++) v[i] = v[i] > threshold ? 1 : 0;
        return [TensorConvert.FromDoubles(x.DataType, v, x.Shape)];
    }
}
