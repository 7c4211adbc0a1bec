using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the random generators: RandomNormal(Like), RandomUniform(Like), Bernoulli, Multinomial.</summary>
internal static class RandomOps
{
    public static void Register(ExtensionRegistry registry)
    {
        foreach (var op in RandomDistributionOps.Schemas()) registry.AddOp(op);
        registry.AddOp(BernoulliOp.Schema);
        registry.AddOp(MultinomialOp.Schema);
    }
}
