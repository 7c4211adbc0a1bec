using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.preview.training Adagrad, inputs (R, T, X..., G..., H...), outputs (X_new..., H_new...):
/// r = R / (1 + T·decay_factor); G' = norm_coefficient·X + G; H_new = H + G'²; X_new = X - r·G' / (√H_new + epsilon).</summary>
internal static class AdagradOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.preview.training", "Adagrad", c => OptimizerStep.Infer(c, 3), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var (rate, count, groups, xs) = OptimizerStep.Read(c, 3);
        double decay = c.Float("decay_factor", 0f), epsilon = c.Float("epsilon", 1e-6f), norm = c.Float("norm_coefficient", 0f);
        double r = rate / (1 + count * decay);
        var (x, g, h) = (groups[0], groups[1], groups[2]);
        for (int i = 0; i < xs.Length; i++)
            for (int k = 0; k < x[i].Length; k++)
            {
                double gr = norm * x[i][k] + g[i][k];
                h[i][k] += gr * gr;
                x[i][k] -= r * gr / (Math.Sqrt(h[i][k]) + epsilon);
            }
        return OptimizerStep.Write(c, xs, x, h);
    }
}
