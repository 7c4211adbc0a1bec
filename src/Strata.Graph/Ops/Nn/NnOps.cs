using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Nn op family.</summary>
internal static class NnOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
