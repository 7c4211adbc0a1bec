using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Reduction op family.</summary>
internal static class ReductionOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
