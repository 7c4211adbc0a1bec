namespace Strata.Tile.Tests.Fusion;

/// <summary>The fusion acceptance cases as golden text: each graph compiles to the expected number of kernels, runs
/// like the reference, and prints as in <c>golden/fusion_*.strata</c>.</summary>
public sealed class FusionGoldenTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { nameof(FusionModels.MatMulAddGelu), 1 },
        { nameof(FusionModels.MatMulAddGeluErf), 1 },
        { nameof(FusionModels.Softmax), 1 },
        { nameof(FusionModels.SoftmaxWrittenOut), 1 },
        { nameof(FusionModels.LayerNormWrittenOut), 1 },
        { nameof(FusionModels.RmsNormWrittenOut), 1 },
        { nameof(FusionModels.ConvBatchNormRelu), 1 },
        { nameof(FusionModels.TwoLayerMlp), 2 },
        { nameof(FusionModels.TransformerBlock), 9 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Model_FusesIntoExpectedKernels_RunsLikeReference_AndMatchesGolden(string model, int kernels)
    {
        var build = (Func<Graph.Graph>)Delegate.CreateDelegate(typeof(Func<Graph.Graph>), typeof(FusionModels).GetMethod(model)!);
        var program = FusionHarness.CheckAgainstReference(build);
        Assert.Empty(program.Fallbacks);
        Assert.Equal(kernels, program.Kernels.Count());
        // Every node the graph passes leave (FoldAffineIntoConv folds a BN after a conv into its weights) is in a kernel.
        Assert.Equal(Strata.Tile.Passes.GraphPipeline.Default.Run(build()).Nodes.Count, program.Kernels.Sum(k => k.Nodes.Length));
        Golden.Check("fusion_" + ToSnake(model), FusionHarness.GoldenText(FusionHarness.PrintGraph(build()), program));
    }

    private static string ToSnake(string s) => string.Concat(s.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
