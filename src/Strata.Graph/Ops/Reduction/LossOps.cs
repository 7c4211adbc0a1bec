using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Input [N, C, d1, …] (log-probabilities, or
/// scores for SCE, which takes log-softmax over C first), target [N, d1, …] of class indices, optional per-class
/// weight [C]. Each position's loss is <c>-input[n, target, d] * weight[target]</c>, 0 where target == ignore_index.
/// reduction: none (shape of target), sum, or mean = sum / (sum of the weights of the positions not ignored).
/// SCE's optional second output is the log-softmax.</summary>
internal static class LossOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "NegativeLogLikelihoodLoss", c => [InferLoss(c)], c => Loss(c, softmax: false)));
        registry.AddOp(new OpSchema("", "SoftmaxCrossEntropyLoss", c => [InferLoss(c), Infer.SameAs(c, 0)], c => Loss(c, softmax: true)));
    }

    private static TensorType? InferLoss(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (c.Node.GetString("reduction", "mean") != "none") return new TensorType(et, Shape.Scalar);
        return new TensorType(et, c.InputTensor(1)?.Shape);
    }

    private static RuntimeValue?[] Loss(OpContext c, bool softmax)
    {
        var x = c.Input(0);
        var target = c.Input(1);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"the input must be [N, C, ...], it is {ShapeMath.Format(x.Shape)}");
        int n = x.Shape[0], classes = x.Shape[1], d = ShapeMath.Size(x.Shape.AsSpan(2));
        int[] expectedTarget = [n, .. x.Shape.AsSpan(2)];
        if (!target.Shape.AsSpan().SequenceEqual(expectedTarget))
            throw c.Error(ErrorCode.ShapeMismatch,
                $"target has shape {ShapeMath.Format(target.Shape)}, expected {ShapeMath.Format(expectedTarget)} for input {ShapeMath.Format(x.Shape)}");
        string reduction = c.String("reduction", "mean");
        if (reduction is not ("none" or "sum" or "mean"))
            throw c.Error(ErrorCode.InvalidAttribute, $"unknown reduction '{reduction}'", "use none, sum or mean");

        var input = TensorConvert.ToDoubles(x);
        double[] logProb = input;
        if (softmax)
        {
            logProb = new double[input.Length];
            SoftmaxOps.Softmax(input, logProb, ReductionPlan.Axis(x.Shape, 1), log: true);
        }
        var labels = TensorConvert.ToInt64s(target);
        double[]? weight = c.OptionalInput(2) is { } wt ? TensorConvert.ToDoubles(wt) : null;
        if (weight is not null && weight.Length != classes)
            throw c.Error(ErrorCode.ShapeMismatch, $"weight has {weight.Length} elements, expected one per class ({classes})");
        long? ignore = c.HasAttr("ignore_index") ? c.Int("ignore_index", 0) : null;

        var loss = new double[n * d];
        double weightSum = 0;
        for (int b = 0; b < n; b++)
            for (int p = 0; p < d; p++)
            {
                int j = b * d + p;
                long label = labels[j];
                if (label == ignore) continue;
                if (label < 0 || label >= classes)
                    throw c.Error(ErrorCode.IndexOutOfRange, $"target {label} is not a class index in [0, {classes})",
                        "use class indices in range, or set ignore_index to skip this value");
                double w = weight?[label] ?? 1;
                loss[j] = -logProb[(b * classes + (int)label) * d + p] * w;
                weightSum += w;
            }

        Tensor result;
        if (reduction == "none") result = TensorConvert.FromDoubles(x.DataType, loss, target.Shape);
        else
        {
            double sum = 0;
            foreach (double l in loss) sum += l;
            result = TensorConvert.FromDoubles(x.DataType, [reduction == "sum" ? sum : sum / weightSum], []);
        }
        return softmax ? [result, c.HasOutput(1) ? TensorConvert.FromDoubles(x.DataType, logProb, x.Shape) : null] : [result];
    }
}
