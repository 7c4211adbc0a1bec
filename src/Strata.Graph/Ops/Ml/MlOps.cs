using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the ai.onnx.ml ops: LabelEncoder, Binarizer, ArrayFeatureExtractor, TreeEnsemble.</summary>
internal static class MlOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(LabelEncoderOp.Schema);
        registry.AddOp(BinarizerOp.Schema);
        registry.AddOp(ArrayFeatureExtractorOp.Schema);
        registry.AddOp(TreeEnsembleOp.Schema);
    }
}
