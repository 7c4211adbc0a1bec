using CsCheck;
using Strata.Block.Compilation;
using Strata.Block.Passes;
using Strata.Block.Tests.Compilation;
using Strata.Block.Verification;
using Strata.Tile;

namespace Strata.Block.Tests.Passes;

/// <summary>Random kernels through the default Block passes: the result verifies and stores exactly what the input
/// kernel stores.</summary>
public sealed class BlockPassPropertyTests
{
    [Fact]
    public void DefaultPassesKeepRandomlySizedSampleKernelsExact()
    {
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 12], Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[0, 3], Gen.Int).Sample(t =>
        {
            var (m, n, k, bm, bn, which, seed) = t;
            var kernel = which switch
            {
                0 => SampleKernels.Copy(m, n, bm, bn),
                1 => SampleKernels.AddBias(m, n, bm, bn),
                2 => SampleKernels.Matmul(m, n, k, bm, bn, Math.Min(bm, k)),
                _ => SampleKernels.Softmax(m, n, bm, bn),
            };
            var after = BlockPipeline.Default.Run(kernel);
            BlockVerifier.Verify(after);
            PassSemantics.AssertSameResults(kernel, after, seed);
        }, iter: 60);
    }

    [Fact]
    public void DefaultPassesKeepLoweringsUnderRandomConfigsExact()
    {
        // The kernels of a small model, lowered under random legal configs (masks, loops, split-K), then the passes.
        var graph = TestModels.MlpSoftmax();
        var model = new Compiler(CompilerOptions.Default with { BlockPasses = BlockPipeline.Empty }).Compile(graph, TestModels.Inputs(graph));
        Gen.Select(Gen.Int[0, model.Kernels.Length - 1], Gen.Int).Sample(t =>
        {
            var (index, seed) = t;
            var tile = model.Kernels[index].Step.Kernel;
            var lowered = TileToBlock.Lower(tile, KnobSpace.For(tile).Random(new Random(seed)));
            var after = BlockPipeline.Default.Run(lowered);
            BlockVerifier.Verify(after);
            PassSemantics.AssertSameResults(lowered, after, seed);
        }, iter: 40);
    }
}
