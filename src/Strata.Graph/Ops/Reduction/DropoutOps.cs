using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Dropout. Before opset 12 the runtime is in inference, so the output is the input and the optional
/// mask is all ones (of the input type before opset 10, bool from then on). From opset 12, inputs ratio (default
/// 0.5) and training_mode (default false): in training with ratio &gt; 0 each element is kept when a uniform draw in
/// [0, 1) is &gt;= ratio, and kept elements are scaled by 1 / (1 - ratio). Draws come from MT19937 seeded with the
/// <c>seed</c> attribute (numpy's legacy generator, as the ONNX reference uses), else from the run's random source.</summary>
internal static class DropoutOps
{
    public static void Register(ExtensionRegistry registry) =>
        registry.AddOp(new OpSchema("", "Dropout", c => [Infer.SameAs(c, 0), InferMask(c)], Run));

    private static TensorType? InferMask(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        return new TensorType(c.Opset >= 10 ? DataType.Bool : x.ElementType, x.Shape);
    }

    private static RuntimeValue?[] Run(OpContext c)
    {
        var x = c.Input(0);
        double ratio = c.Opset >= 12
            ? c.OptionalInput(1) is { } r ? TensorConvert.ToDoubles(r)[0] : 0.5
            : c.Float("ratio", 0.5f);
        bool training = c.Opset >= 12 && c.OptionalInput(2) is { } t && TensorConvert.ToDoubles(t)[0] != 0;
        if (training && (ratio < 0 || ratio >= 1))
            throw c.Error(ErrorCode.InvalidArgument, $"ratio {ratio} is outside [0, 1)");

        if (!training || ratio == 0)
        {
            Tensor? ones = null;
            if (c.HasOutput(1))
            {
                var maskType = c.Opset >= 10 ? DataType.Bool : x.DataType;
                var data = new double[x.Length];
                Array.Fill(data, 1.0);
                ones = TensorConvert.FromDoubles(maskType, data, x.Shape);
            }
            return [x, ones];
        }

        Func<double> uniform = c.HasAttr("seed")
            ? new MersenneTwister(unchecked((uint)c.Int("seed", 0))).NextDouble
            : c.Random.NextDouble;
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        var mask = new bool[v.Length];
        double scale = 1 / (1 - ratio);
        for (int i = 0; i < v.Length; i++)
        {
            mask[i] = uniform() >= ratio;
            y[i] = mask[i] ? v[i] * scale : 0;
        }
        return [TensorConvert.FromDoubles(x.DataType, y, x.Shape), c.HasOutput(1) ? new Tensor<bool>(mask, x.Shape) : null];
    }
}
