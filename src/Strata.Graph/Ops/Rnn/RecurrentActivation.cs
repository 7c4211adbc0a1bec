using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>One activation function of a recurrent cell, as named in the <c>activations</c> attribute, with its
/// alpha/beta (taken in order from <c>activation_alpha</c>/<c>activation_beta</c>, else the spec defaults).</summary>
internal readonly record struct RecurrentActivation(RecurrentActivation.Kind Function, double Alpha, double Beta)
{
    public enum Kind { Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus }

    public double Apply(double x) => Function switch
    {
        Kind.Relu => Math.Max(x, 0),
        Kind.Tanh => Math.Tanh(x),
        Kind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Kind.Affine => Alpha * x + Beta,
        Kind.LeakyRelu => x >= 0 ? x : Alpha * x,
        Kind.ThresholdedRelu => x > Alpha ? x : 0,
        Kind.ScaledTanh => Alpha * Math.Tanh(Beta * x),
        Kind.HardSigmoid => Math.Clamp(Alpha * x + Beta, 0, 1),
        Kind.Elu => x >= 0 ? x : Alpha * (Math.Exp(x) - 1),
        Kind.Softsign => x / (1 + Math.Abs(x)),
        Kind.Softplus => x > 30 ? x : Math.Log(1 + Math.Exp(x)),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Reads the activations for all directions: <paramref name="perDirection"/> functions each, from the
    /// attribute (which lists them for every direction, or once for all) or <paramref name="defaults"/>.</summary>
    public static RecurrentActivation[][] Read(OpContext c, int directions, string[] defaults)
    {
        int perDirection = defaults.Length;
        var names = c.Strings("activations") is { Length: > 0 } given ? given : Repeat(defaults, directions);
        if (names.Length == perDirection && directions > 1) names = Repeat(names, directions);
        if (names.Length != perDirection * directions)
            throw c.Error(ErrorCode.InvalidAttribute,
                $"activations lists {names.Length} functions; this op needs {perDirection} per direction ({perDirection * directions} in all)");
        var alphas = c.Floats("activation_alpha") ?? [];
        var betas = c.Floats("activation_beta") ?? [];
        int nextAlpha = 0, nextBeta = 0;
        var result = new RecurrentActivation[directions][];
        for (int d = 0; d < directions; d++)
        {
            result[d] = new RecurrentActivation[perDirection];
            for (int i = 0; i < perDirection; i++)
            {
                var name = names[d * perDirection + i];
                if (!Enum.TryParse<Kind>(name, ignoreCase: true, out var kind) || int.TryParse(name, out _))
                    throw c.Error(ErrorCode.InvalidAttribute, $"unknown activation '{name}'",
                        "use one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus");
                var (defaultAlpha, defaultBeta, usesAlpha, usesBeta) = kind switch
                {
                    Kind.Affine => (1.0, 0.0, true, true),
                    Kind.LeakyRelu => (0.01, 0.0, true, false),
                    Kind.ThresholdedRelu => (1.0, 0.0, true, false),
                    Kind.ScaledTanh => (1.0, 1.0, true, true),
                    Kind.HardSigmoid => (0.2, 0.5, true, true),
                    Kind.Elu => (1.0, 0.0, true, false),
                    _ => (0.0, 0.0, false, false),
                };
                double alpha = usesAlpha && nextAlpha < alphas.Length ? alphas[nextAlpha++] : defaultAlpha;
                double beta = usesBeta && nextBeta < betas.Length ? betas[nextBeta++] : defaultBeta;
                result[d][i] = new RecurrentActivation(kind, alpha, beta);
            }
        }
        return result;
    }

    private static string[] Repeat(string[] names, int times)
    {
        var r = new string[names.Length * times];
        for (int i = 0; i < times; i++) names.CopyTo(r, i * names.Length);
        return r;
    }
}
