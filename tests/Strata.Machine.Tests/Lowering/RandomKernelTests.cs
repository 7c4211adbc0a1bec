using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Verification;
using Strata.Machine.Text;
using Strata.Tile;
using Strata.Tile.Tests;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Random Tile kernels (every element type, selects, casts, clamped and data-dependent loads, all reductions,
/// empty axes, temps) lowered to Block under random legal configs and on to Machine for every target: the Machine
/// interpreter must give the Block interpreter's results. The Machine level keeps the Block interpreter's order of
/// accumulation (with ReassociateSums and FuseMulAdd off), so the only rounding difference is FMA in float dots on FMA targets (those runs are
/// compared with the scaled tolerance; the generator's 1e30-scale cancellations make them only run).</summary>
public class RandomKernelTests
{
    private static bool HasFloatDot(IEnumerable<BlockOp> ops) => ops.Any(o =>
        o is DotOp d && ScalarSemantics.IsFloat(d.Result.Type.Element) || o is ForOp f && HasFloatDot(f.Body));

    private static readonly MachineLoweringOptions Exact = new() { ReassociateSums = false, FuseMulAdd = false };

    [Fact]
    public void RandomKernelsUnderRandomConfigsOnEveryTarget()
    {
        int compared = 0, run = 0;
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var kernel = RandomKernels.Kernel(rng);
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
            var space = KnobSpace.For(kernel);
            for (int i = 0; i < 2; i++)
            {
                var config = space.Random(rng);
                var block = TileToBlock.Lower(kernel, config);
                IReadOnlyList<Tensor> expected;
                try { expected = BlockInterpreter.Call(block, inputs); }
                catch (StrataException) { return; } // an op the scalar semantics leave undefined: nothing to compare
                foreach (var target in Target.Known)
                {
                    // The default lowering (float sums reassociated) must run cleanly; the exact one is compared.
                    MachineInterpreter.Call(BlockToMachine.Lower(block, config, target), inputs, new MachineRunOptions(ProgramOrder.Shuffled, seed + i));
                    var machine = BlockToMachine.Lower(block, config, target, Exact);
                    MachineVerifier.Verify(machine);
                    var actual = MachineInterpreter.Call(machine, inputs, new MachineRunOptions(ProgramOrder.Shuffled, seed + i));
                    run++;
                    if (HasFloatDot(block.Body) && target.HasFma) continue;
                    compared++;
                    for (int o = 0; o < expected.Count; o++)
                        if (MachineLoweringCheck.Compare(expected[o], actual[o]) is { } diff)
                            Assert.Fail($"seed {seed}, {config}, {target}: output {o} {diff}\n{Strata.Block.Text.BlockPrinter.Print(block)}\n{MachinePrinter.Print(machine)}");
                }
            }
        }, iter: 150);
        Assert.True(compared > 600, $"only {compared} of {run} runs were compared");
    }
}
