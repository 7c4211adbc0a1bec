using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.preview.training Adam, inputs (R, T, X..., G..., V..., H...), outputs (X_new..., V_new..., H_new...):
/// G' = norm_coefficient·X + G; V_new = alpha·V + (1-alpha)·G'; H_new = beta·H + (1-beta)·G'²;
/// R' = T &gt; 0 ? R·√(1-beta^T)/(1-alpha^T) : R; X_new = (1 - norm_coefficient_post)·(X - R'·V_new/(√H_new + epsilon)).</summary>
internal static class AdamOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.preview.training", "Adam", c => OptimizerStep.Infer(c, 4), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var (rate, count, groups, xs) = OptimizerStep.Read(c, 4);
        double alpha = c.Float("alpha", 0.9f), beta = c.Float("beta", 0.999f), epsilon = c.Float("epsilon", 1e-6f);
        double norm = c.Float("norm_coefficient", 0f), normPost = c.Float("norm_coefficient_post", 0f);
        double r = count > 0 ? rate * Math.Sqrt(1 - Math.Pow(beta, count)) / (1 - Math.Pow(alpha, count)) : rate;
        var (x, g, v, h) = (groups[0], groups[1], groups[2], groups[3]);
        for (int i = 0; i < xs.Length; i++)
            for (int k = 0; k < x[i].Length; k++)
            {
                double gr = norm * x[i][k] + g[i][k];
                v[i][k] = alpha * v[i][k] + (1 - alpha) * gr;
                h[i][k] = beta * h[i][k] + (1 - beta) * gr * gr;
                x[i][k] = (1 - normPost) * (x[i][k] - r * v[i][k] / (Math.Sqrt(h[i][k]) + epsilon));
            }
        return OptimizerStep.Write(c, xs, x, v, h);
    }
}
