using Strata.Core;

namespace Strata.Graph;

/// <summary>Registers every built-in op family, through the same contract outside plugins use.</summary>
public sealed class BuiltinOpsPlugin : IStrataPlugin
{
    public string Name => "strata.builtin.ops";
    public Version ContractVersion => PluginContract.Version;

    public void Register(ExtensionRegistry registry)
    {
        Ops.ElementwiseOps.Register(registry);
        Ops.CastOps.Register(registry);
        Ops.TensorOps.Register(registry);
        Ops.ReductionOps.Register(registry);
        Ops.NnOps.Register(registry);
        Ops.ControlFlowOps.Register(registry);
        Ops.SpatialOps.Register(registry);
    }
}
