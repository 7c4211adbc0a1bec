using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the ControlFlow op family.</summary>
internal static class ControlFlowOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
