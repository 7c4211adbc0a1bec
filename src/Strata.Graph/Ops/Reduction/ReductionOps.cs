using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Reduction op family: reductions, arg-reductions, scans, the softmax family,
/// normalizations, losses, Dropout and Det.</summary>
internal static class ReductionOps
{
    public static void Register(ExtensionRegistry registry)
    {
        ReduceOps.Register(registry);
        ArgOps.Register(registry);
        CumulativeOps.Register(registry);
        SoftmaxOps.Register(registry);
        NormalizationOps.Register(registry);
        BatchNormalizationOps.Register(registry);
        LossOps.Register(registry);
        DropoutOps.Register(registry);
        DetOps.Register(registry);
    }
}
