using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the ai.onnx.preview.training optimizers: Adagrad, Adam, Momentum.</summary>
internal static class TrainingOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(AdagradOp.Schema);
        registry.AddOp(AdamOp.Schema);
        registry.AddOp(MomentumOp.Schema);
    }
}
