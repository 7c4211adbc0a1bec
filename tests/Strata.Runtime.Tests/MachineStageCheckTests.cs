using Strata.Block.Compilation;
using Strata.Conformance.Checking;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Machine.Passes;

namespace Strata.Runtime.Tests;

/// <summary><c>strata check</c>'s model checker with <see cref="CheckOptions.MachineTarget"/>: Machine stages come after
/// the Block stages and a faulty Machine pass is named as the first diverging stage.</summary>
public sealed class MachineStageCheckTests
{
    private static Graph.Graph MatMulAdd()
    {
        var g = new GraphBuilder("mm");
        var x = g.Input("x", DataType.Float32, 4, 8);
        g.Output(g.MatMul(x, g.Constant("w", SmallGraphs.Random(2, 8, 6))) + g.Constant("b", SmallGraphs.Random(3, 6)), "y");
        return g.Build();
    }

    private static CheckReport Check(CheckOptions options)
    {
        var x = SmallGraphs.Random(1, 4, 8);
        x[0] = 0f; // the data-dependent faulty pass then stores where it should
        return new ModelChecker(options).Check(MatMulAdd(), new Dictionary<string, RuntimeValue> { ["x"] = x });
    }

    [Fact]
    public void MachineStagesFollowTheBlockStages_AndAgree()
    {
        var blockOnly = Check(CheckOptions.Default);
        var passes = MachinePipeline.Default.With(new FaultyPasses.DataDependentStoreOffset());
        var report = Check(CheckOptions.Default with { MachineTarget = Target.Get("scalar"), MachinePasses = passes });
        Assert.True(report.AllAgree, report.ToString());
        for (int i = 0; i < report.Kernels.Length; i++)
            Assert.Equal(blockOnly.Kernels[i].Stages + 1 + passes.Passes.Length, report.Kernels[i].Stages);
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("x86-64-avx2")]
    public void AFaultyMachinePassIsTheFirstDivergingStage(string target)
    {
        var blockOnly = Check(CheckOptions.Default);
        var pass = new FaultyPasses.ConstantStoreOffset();
        var report = Check(CheckOptions.Default with { MachineTarget = Target.Get(target), MachinePasses = MachinePipeline.Default.With(pass) });
        Assert.False(report.AllAgree);
        for (int i = 0; i < report.Kernels.Length; i++)
        {
            var d = report.Kernels[i].FirstDivergence!;
            Assert.Equal((StageLevel.Machine, pass.Name, "machine/" + pass.Name), (d.Level, d.Pass, d.Stage));
            // every earlier stage, machine/lower, the default Machine passes, the faulty pass
            Assert.Equal(blockOnly.Kernels[i].Stages + 2 + MachinePipeline.DefaultPasses.Length, d.StageNumber);
            Assert.Contains("failed to run", d.Reason, StringComparison.Ordinal);
        }
        Assert.Contains($"DIVERGES at machine/{pass.Name}", report.ToString(), StringComparison.Ordinal);
    }
}
