using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the control-flow op family (If, Loop, Scan, SequenceMap) and the smaller families that
/// travel with it: sequences and optionals, recurrent nets, strings, signal processing, ai.onnx.ml,
/// ai.onnx.preview.training and random generators.</summary>
internal static class ControlFlowOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(IfOp.Schema);
        registry.AddOp(LoopOp.Schema);
        registry.AddOp(ScanOp.Schema);
        registry.AddOp(SequenceMapOp.Schema);
        SequenceOps.Register(registry);
        RnnOps.Register(registry);
        TextOps.Register(registry);
        SignalOps.Register(registry);
        MlOps.Register(registry);
        TrainingOps.Register(registry);
        RandomOps.Register(registry);
    }
}
