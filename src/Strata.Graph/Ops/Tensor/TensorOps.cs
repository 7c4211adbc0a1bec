using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Tensor op family.</summary>
internal static class TensorOps
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
