using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Cast op family.</summary>
internal static class CastOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
