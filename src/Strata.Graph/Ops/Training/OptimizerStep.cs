using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>What the ai.onnx.preview.training optimizers share: inputs (R, T, then <paramref name="groups"/> groups of
/// n tensors each, e.g. X..., G..., V..., H...), a scalar learning rate and update count, and outputs made of
/// the updated groups, computed element-wise in double and returned in each tensor's own type.</summary>
internal static class OptimizerStep
{
    /// <summary>Every output has the type of its X: output j updates X_(j mod n).</summary>
    public static Core.ValueType?[] Infer(InferenceContext c, int groups)
    {
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        int n = (c.InputCount - 2) / groups;
        if (n < 1) return types;
        for (int j = 0; j < types.Length; j++) types[j] = c.InputTypes[2 + j % n];
        return types;
    }

    /// <summary>Splits the inputs after R and T into groups; returns (R, T, groups[g][i] as doubles, the X tensors).</summary>
    public static (double Rate, long Count, double[][][] Groups, Tensor[] Xs) Read(OpContext c, int groups)
    {
        int n = (c.InputCount - 2) / groups;
        if (n < 1 || 2 + n * groups != c.InputCount)
            throw c.Error(ErrorCode.InvalidArgument,
                $"expected R, T and {groups} groups of equally many tensors, got {c.InputCount} inputs");
        double rate = TensorConvert.ToDoubles(c.Input(0))[0];
        long count = Scalars.Int(c, c.Input(1), "T");
        var values = new double[groups][][];
        var xs = new Tensor[n];
        for (int i = 0; i < n; i++) xs[i] = c.Input(2 + i);
        for (int g = 0; g < groups; g++)
        {
            values[g] = new double[n][];
            for (int i = 0; i < n; i++)
            {
                var t = c.Input(2 + g * n + i);
                if (!t.Shape.AsSpan().SequenceEqual(xs[i].Shape))
                    throw c.Error(ErrorCode.ShapeMismatch, $"input {2 + g * n + i} has shape {ShapeMath.Format(t.Shape)}, its X has {ShapeMath.Format(xs[i].Shape)}");
                values[g][i] = TensorConvert.ToDoubles(t);
            }
        }
        return (rate, count, values, xs);
    }

    /// <summary>Packs updated groups as outputs: group 0 for every X, then group 1, and so on.</summary>
    public static RuntimeValue?[] Write(OpContext c, Tensor[] xs, params double[][][] groups)
    {
        var result = new RuntimeValue?[c.OutputCount];
        int n = xs.Length;
        for (int g = 0; g < groups.Length; g++)
            for (int i = 0; i < n; i++)
                if (g * n + i < result.Length)
                    result[g * n + i] = TensorConvert.FromDoubles(xs[i].DataType, groups[g][i], xs[i].Shape);
        return result;
    }
}
