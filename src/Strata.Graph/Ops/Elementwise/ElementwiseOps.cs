using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Elementwise op family.</summary>
internal static class ElementwiseOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
