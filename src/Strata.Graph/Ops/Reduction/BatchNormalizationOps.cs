using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>BatchNormalization. Inference: <c>Y = scale * (X - mean) / sqrt(var + epsilon) + B</c> with the given
/// per-channel statistics (or per [C, D1, …] element for the old <c>spatial = 0</c> form). Training (opset 14+:
/// <c>training_mode = 1</c>; before: more than one output requested, and <c>is_test = 0</c> before opset 7) normalises
/// with the batch statistics and also returns the running statistics
/// <c>input_mean * momentum + batch_mean * (1 - momentum)</c> (same for var), then, before opset 14, the batch mean
/// and variance.</summary>
internal static class BatchNormalizationOps
{
    public static void Register(ExtensionRegistry registry) =>
        registry.AddOp(new OpSchema("", "BatchNormalization",
            c => [Infer.SameAs(c, 0), Infer.SameAs(c, 3), Infer.SameAs(c, 4), Infer.SameAs(c, 3), Infer.SameAs(c, 4)],
            Run));

    private static RuntimeValue?[] Run(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"the input must be [N, C, ...], it is {ShapeMath.Format(x.Shape)}");
        bool training = c.Opset >= 14
            ? c.Int("training_mode", 0) != 0
            : c.OutputCount > 1 && (c.Opset >= 7 || c.Int("is_test", 0) == 0);
        double eps = c.Float("epsilon", 1e-5f);
        var v = TensorConvert.ToDoubles(x);
        var scale = TensorConvert.ToDoubles(c.Input(1));
        var bias = TensorConvert.ToDoubles(c.Input(2));
        var inputMean = c.Input(3);
        var inputVar = c.Input(4);
        var mean = TensorConvert.ToDoubles(inputMean);
        var variance = TensorConvert.ToDoubles(inputVar);
        int channels = x.Shape[1], spatial = ShapeMath.Size(x.Shape.AsSpan(2));

        double[]? batchMean = null, batchVar = null;
        if (training)
        {
            var plan = ReductionPlan.Create(x.Shape, Enumerable.Range(0, x.Rank).Select(i => i != 1).ToArray(), keepDims: false);
            batchMean = new double[channels];
            batchVar = new double[channels];
            for (int ch = 0; ch < channels; ch++)
                (batchMean[ch], batchVar[ch]) = NormalizationOps.MeanVariance(v, plan.Outer[ch], plan.Inner);
        }

        var statMean = batchMean ?? mean;
        var statVar = batchVar ?? variance;
        foreach (var (name, p) in new[] { ("scale", scale), ("B", bias), ("mean", statMean), ("var", statVar) })
            if (p.Length != channels && p.Length != channels * spatial)
                throw c.Error(ErrorCode.ShapeMismatch, $"{name} has {p.Length} elements; expected one per channel ({channels})");

        var y = new double[v.Length];
        int block = channels * spatial;
        for (int i = 0; i < v.Length; i++)
        {
            int e = i % block, ch = e / spatial;
            double s = At(scale, ch, e, channels), b = At(bias, ch, e, channels);
            double m = At(statMean, ch, e, channels), sv = At(statVar, ch, e, channels);
            y[i] = s * (v[i] - m) / Math.Sqrt(sv + eps) + b;
        }
        var result = new RuntimeValue?[c.OutputCount];
        result[0] = TensorConvert.FromDoubles(x.DataType, y, x.Shape);
        if (batchMean is null || batchVar is null) return result;

        double momentum = c.Float("momentum", 0.9f);
        var runningMean = new double[channels];
        var runningVar = new double[channels];
        for (int ch = 0; ch < channels; ch++)
        {
            runningMean[ch] = At(mean, ch, ch * spatial, channels) * momentum + batchMean[ch] * (1 - momentum);
            runningVar[ch] = At(variance, ch, ch * spatial, channels) * momentum + batchVar[ch] * (1 - momentum);
        }
        int[] statShape = [channels];
        if (c.HasOutput(1)) result[1] = TensorConvert.FromDoubles(inputMean.DataType, runningMean, statShape);
        if (c.HasOutput(2)) result[2] = TensorConvert.FromDoubles(inputVar.DataType, runningVar, statShape);
        if (c.HasOutput(3)) result[3] = TensorConvert.FromDoubles(inputMean.DataType, batchMean, statShape);
        if (c.HasOutput(4)) result[4] = TensorConvert.FromDoubles(inputVar.DataType, batchVar, statShape);
        return result;
    }

    /// <summary>A per-channel parameter, or a per-[C, D1, …]-element one (old <c>spatial = 0</c> models).</summary>
    private static double At(double[] p, int channel, int element, int channels) => p.Length == channels ? p[channel] : p[element];
}
