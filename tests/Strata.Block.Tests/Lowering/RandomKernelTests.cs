using CsCheck;
using Strata.Block.Verification;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Tests;

namespace Strata.Block.Tests.Lowering;

/// <summary>Random Tile kernels (the Tile tests' generator: every element type, selects, casts, clamped and
/// data-dependent loads, all reductions, empty reduction axes, temps) under random legal configs: the lowering verifies,
/// runs without out-of-range accesses or races, and matches the Tile interpreter. Float sums and products depend on the
/// order of accumulation (the generator makes values up to 1e30 that cancel), so kernels with one are only run, not
/// compared.</summary>
public class RandomKernelTests
{
    private static bool OrderDependent(TileKernel k) =>
        k.Computations.Any(c => c.Reduce is { Op: ReduceOp.Sum or ReduceOp.Prod } && ScalarSemantics.IsFloat(c.Body.Type));

    [Fact]
    public void RandomKernelsUnderRandomConfigs()
    {
        int compared = 0, run = 0;
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var kernel = RandomKernels.Kernel(rng);
            var inputs = LoweringCheck.RandomInputs(kernel, seed);
            Tensor[] expected;
            try { expected = TileInterpreter.Run(kernel, inputs); }
            catch (StrataException) { return; } // an op the scalar semantics leave undefined: nothing to compare
            var space = KnobSpace.For(kernel);
            for (int i = 0; i < 3; i++)
            {
                var config = space.Random(rng);
                var lowered = TileToBlock.Lower(kernel, config);
                BlockVerifier.Verify(lowered);
                var actual = BlockInterpreter.Call(lowered, inputs, new BlockRunOptions(ProgramOrder.Shuffled, seed + i));
                run++;
                if (OrderDependent(kernel)) continue;
                compared++;
                for (int o = 0; o < expected.Length; o++)
                    if (LoweringCheck.Compare(expected[o], actual[o], 0) is { } diff)
                        Assert.Fail($"seed {seed}, {config}: output {o} {diff}\n{Strata.Tile.Text.TilePrinter.Print(kernel)}\n{Strata.Block.Text.BlockPrinter.Print(lowered)}");
            }
        }, iter: 500);
        Assert.True(compared > 500, $"only {compared} of {run} runs were compared");
    }
}
