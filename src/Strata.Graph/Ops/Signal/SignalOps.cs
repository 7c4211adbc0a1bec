using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the signal-processing ops: DFT, STFT, the window generators and MelWeightMatrix.</summary>
internal static class SignalOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(DftOp.Schema);
        registry.AddOp(StftOp.Schema);
        foreach (var op in WindowOps.Schemas()) registry.AddOp(op);
        registry.AddOp(MelWeightMatrixOp.Schema);
    }
}
