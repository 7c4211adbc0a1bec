using Strata.Block.Compilation;
using Strata.Block.Passes;
using Strata.Conformance.Checking;
using Strata.Tile.Passes;

namespace Strata.Cli.Tests.Check;

/// <summary><c>strata check</c> is tested by injecting known bugs through the public pass-injection API and checking
/// that it names the right kernel, level and pass.</summary>
public sealed class ModelCheckerTests
{
    private static readonly int TileStages = 1 + TilePipeline.Default.Passes.Length;
    private static readonly int BlockStages = 1 + BlockPipeline.Default.Passes.Length;

    private static CheckReport Check(CompilerOptions compiler) =>
        new ModelChecker(CheckOptions.Default with { Compiler = compiler }).Check(CheckModels.MlpSoftmax(), CheckModels.Inputs());

    [Fact]
    public void WithoutInjectionEveryKernelIsOkAtEveryStage()
    {
        var report = Check(CompilerOptions.Default);
        Assert.True(report.AllAgree, report.ToString());
        Assert.Equal(["mlp.k0", "mlp.k1"], report.Kernels.Select(k => k.Kernel));
        Assert.Equal(["MatMul", "Add", "Relu"], report.Kernels[0].Ops.ToArray());
        Assert.All(report.Kernels, k => Assert.Equal(TileStages + BlockStages, k.Stages));
        Assert.Contains($"kernel @mlp.k0 [MatMul, Add, Relu]: ok at all {TileStages + BlockStages} stages", report.ToString());
        Assert.Contains("all 2 kernels agree", report.ToString());
    }

    [Fact]
    public void FindsAFaultyTilePassAndNamesIt()
    {
        var tile = TilePipeline.Default.With(new FaultyPasses.AddBecomesSub("mlp.k0"), after: "SimplifyIndices");
        var report = Check(CompilerOptions.Default with { TilePasses = tile });

        Assert.False(report.AllAgree);
        var d = report.Kernel("mlp.k0").FirstDivergence!;
        Assert.Equal((StageLevel.Tile, "TestOnly.AddBecomesSub", "tile/TestOnly.AddBecomesSub"), (d.Level, d.Pass, d.Stage));
        Assert.Equal(4, d.StageNumber); // fusion, UnifyAxes, SimplifyIndices, then the faulty pass
        Assert.Equal(KernelOutput("mlp.k0"), d.Output);
        Assert.True(d.Errors!.MaxAbsError > 0);
        Assert.True(d.Errors.MaxRelError > 0);
        Assert.Equal(2, d.Errors.WorstIndex.Length);
        Assert.True(d.Errors.Mismatched > 0);
        // Each kernel runs on the reference values of its own inputs, so the next kernel is unaffected.
        Assert.True(report.Kernel("mlp.k1").Agrees);
        Assert.Contains("kernel @mlp.k0 [MatMul, Add, Relu]: DIVERGES at tile/TestOnly.AddBecomesSub", report.ToString());
        Assert.Contains("1 of 2 kernels diverge", report.ToString());
    }

    [Fact]
    public void FindsAFaultyBlockPassAndNamesIt()
    {
        var block = BlockPipeline.Default.Insert(0, new FaultyPasses.NudgeStoredValue("mlp.k1"));
        var report = Check(CompilerOptions.Default with { BlockPasses = block });

        Assert.True(report.Kernel("mlp.k0").Agrees);
        var d = report.Kernel("mlp.k1").FirstDivergence!;
        Assert.Equal((StageLevel.Block, "TestOnly.NudgeStoredValue"), (d.Level, d.Pass));
        Assert.Equal(TileStages + 2, d.StageNumber); // every Tile stage, block/lower, then the faulty pass
        Assert.Equal("y", d.Output);
        // Softmax outputs are in (0, 1); the bug adds 1 to each stored element.
        Assert.Equal(1.0, d.Errors!.MaxAbsError, 5);
        Assert.Equal(15, d.Errors.Mismatched);
        Assert.Equal(15, d.Errors.Total);
        Assert.Equal(d.Errors.Expected + 1, d.Errors.Got, 5);
    }

    [Fact]
    public void ALaterBlockPassIsNamedWhenItIsTheFirstToDiverge()
    {
        var block = BlockPipeline.Default.With(new FaultyPasses.NudgeStoredValue("mlp.k0"), after: "EliminateDeadValues");
        var tile = TilePipeline.Default.With(new FaultyPasses.AddBecomesSub("mlp.k0"), after: "PruneInputs");
        // The Tile fault comes first in the same kernel: check reports the earliest stage.
        var report = Check(CompilerOptions.Default with { BlockPasses = block, TilePasses = tile });
        Assert.Equal("tile/TestOnly.AddBecomesSub", report.Kernel("mlp.k0").FirstDivergence!.Stage);
        report = Check(CompilerOptions.Default with { BlockPasses = block });
        Assert.Equal("block/TestOnly.NudgeStoredValue", report.Kernel("mlp.k0").FirstDivergence!.Stage);
        Assert.Equal(TileStages + BlockStages + 1, report.Kernel("mlp.k0").Stages);
    }

    [Fact]
    public void APassThatCrashesIsReportedAtItsStage()
    {
        var report = Check(CompilerOptions.Default with { BlockPasses = BlockPipeline.Default.With(new FaultyPasses.Crash(), after: "FoldScalarConstants") });
        Assert.All(report.Kernels, k =>
        {
            var d = k.FirstDivergence!;
            Assert.Equal("block/TestOnly.Crash", d.Stage);
            Assert.Contains("failed to compile", d.Reason);
            Assert.Contains("the test-only pass crashed", d.Reason);
            Assert.Null(d.Errors);
        });
    }

    [Fact]
    public void AKernelThatFailsToRunIsReportedAtThatStage()
    {
        var tile = TilePipeline.Default.Insert(0, new FaultyPasses.ShiftLoads("mlp.k1"));
        var report = Check(CompilerOptions.Default with { TilePasses = tile });
        var d = report.Kernel("mlp.k1").FirstDivergence!;
        Assert.Equal("tile/TestOnly.ShiftLoads", d.Stage);
        Assert.Contains("failed to run", d.Reason);
        Assert.True(report.Kernel("mlp.k0").Agrees);
    }

    [Fact]
    public void ToleranceDecidesWhatDiverges()
    {
        var block = BlockPipeline.Default.Insert(0, new FaultyPasses.NudgeStoredValue("mlp.k1"));
        var loose = new ModelChecker(CheckOptions.Default with
        {
            Compiler = CompilerOptions.Default with { BlockPasses = block },
            Tolerance = new Conformance.ValueComparer(RelativeTolerance: 0, AbsoluteTolerance: 1.01),
        }).Check(CheckModels.MlpSoftmax(), CheckModels.Inputs());
        Assert.True(loose.AllAgree, loose.ToString());
    }

    [Fact]
    public void ValuesAGraphPassIntroducesComeFromTheGraphAfterItsPasses()
    {
        // The padded copy of the conv's input is no value of the model as given: without the second reference run its
        // kernel "diverges" (no reference value) and the conv is not checked at all.
        var options = CompilerOptions.Default with { GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always) };
        var report = new ModelChecker(CheckOptions.Default with { Compiler = options }).Check(CheckModels.PaddedConv(), CheckModels.ConvInputs());

        Assert.True(report.AllAgree, report.ToString());
        var padded = report.Kernels.Where(k => !k.FromGraphPasses.IsEmpty).ToList();
        Assert.NotEmpty(padded);
        Assert.Contains(report.Kernels, k => k.Ops.Contains("Pad"));
        Assert.Contains(report.Kernels, k => k.Ops.Contains("Conv") && !k.FromGraphPasses.IsEmpty);
        Assert.Contains("from the graph after its passes", report.ToString());
        // Without the pass every value is the model's own.
        var plain = new ModelChecker(CheckOptions.Default with { Compiler = CompilerOptions.Default with
            { GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Never) } }).Check(CheckModels.PaddedConv(), CheckModels.ConvInputs());
        Assert.True(plain.AllAgree, plain.ToString());
        Assert.All(plain.Kernels, k => Assert.Empty(k.FromGraphPasses));
    }

    /// <summary>SplitColumnParity stores the stem's padded input split by column parity, under a name of its own: the
    /// Pad kernel's output and the conv's input are compared with the padded reference relaid out the same way, at every
    /// Tile, Block and Machine stage. Without the recorded relayout neither kernel can be checked.</summary>
    [Fact]
    public void AValueAProgramPassRelaysOutIsComparedRelaidOut()
    {
        var options = CompilerOptions.Default with
        {
            GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always), MergeContractionTaps = TapMerging.Always,
        };
        var report = new ModelChecker(CheckOptions.Default with { Compiler = options, MachineTarget = Core.Target.Get("x86-64-avx512") })
            .Check(CheckModels.StridedConv(), CheckModels.StridedConvInputs());

        Assert.True(report.AllAgree, report.ToString());
        Assert.Equal(2, report.Kernels.Count(k => k.Relaid.Any(r => r.StartsWith("x_padded_split from %x_padded", StringComparison.Ordinal))));
        Assert.Contains("%x_padded_split from %x_padded relaid out", report.ToString());

        // The same kernels without the relayouts: the split value has no reference of its own.
        var graph = CheckModels.StridedConv();
        var reference = ReferenceValues.Capture(graph, CheckModels.StridedConvInputs());
        var model = new Compiler(options with { RecordStages = true }).Compile(graph, CheckModels.StridedConvInputs());
        Assert.NotEmpty(model.Program.Derived);
        var checker = new ModelChecker(CheckOptions.Default with { Compiler = options });
        var afterPasses = new Lazy<(ReferenceValues?, string?)>(() => (ReferenceValues.Capture(graph, CheckModels.StridedConvInputs()), null));
        Assert.All(model.Kernels, k => Assert.True(checker.CheckKernel(k, reference, afterPasses, model.Program.Derived).Agrees));
        Assert.Equal(2, model.Kernels.Count(k => !checker.CheckKernel(k, reference, afterPasses).Agrees));
    }

    [Fact]
    public void AFaultAfterAGraphPassIsStillFound()
    {
        var options = CompilerOptions.Default with
        {
            GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always),
            BlockPasses = BlockPipeline.Default.Insert(0, new FaultyPasses.NudgeStoredValue("pc.k1")),
        };
        var report = new ModelChecker(CheckOptions.Default with { Compiler = options }).Check(CheckModels.PaddedConv(), CheckModels.ConvInputs());
        Assert.Equal("block/TestOnly.NudgeStoredValue", report.Kernel("pc.k1").FirstDivergence?.Stage);
    }

    /// <summary>The graph value the kernel computes (its only output).</summary>
    private static string KernelOutput(string kernel)
    {
        var graph = CheckModels.MlpSoftmax();
        return new Compiler().Compile(graph, CheckModels.Inputs()).Kernel(kernel).Step.Outputs.Single().Name;
    }
}
