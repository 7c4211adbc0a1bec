using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.preview.training Momentum, inputs (R, T, X..., G..., V...), outputs (X_new..., V_new...):
/// G' = norm_coefficient·X + G; V_new = alpha·V + (T &gt; 0 ? beta : 1)·G';
/// X_new = X - R·V_new ("standard") or X - R·(G' + alpha·V_new) ("nesterov").</summary>
internal static class MomentumOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.preview.training", "Momentum", c => OptimizerStep.Infer(c, 3), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var (rate, count, groups, xs) = OptimizerStep.Read(c, 3);
        double alpha = c.Float("alpha", float.NaN), beta = c.Float("beta", float.NaN), norm = c.Float("norm_coefficient", float.NaN);
        if (double.IsNaN(alpha) || double.IsNaN(beta) || double.IsNaN(norm))
            throw c.Error(ErrorCode.InvalidAttribute, "Momentum needs the alpha, beta and norm_coefficient attributes");
        string mode = c.String("mode", "");
        bool nesterov = mode switch
        {
            "standard" => false,
            "nesterov" => true,
            _ => throw c.Error(ErrorCode.InvalidAttribute, $"unknown mode '{mode}'", "use standard or nesterov"),
        };
        double b = count > 0 ? beta : 1;
        var (x, g, v) = (groups[0], groups[1], groups[2]);
        for (int i = 0; i < xs.Length; i++)
            for (int k = 0; k < x[i].Length; k++)
            {
                double gr = norm * x[i][k] + g[i][k];
                v[i][k] = alpha * v[i][k] + b * gr;
                x[i][k] -= nesterov ? rate * (gr + alpha * v[i][k]) : rate * v[i][k];
            }
        return OptimizerStep.Write(c, xs, x, v);
    }
}
