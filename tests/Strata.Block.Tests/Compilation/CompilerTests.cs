using Strata.Block.Compilation;
using Strata.Block.Passes;
using Strata.Block.Text;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;
using Strata.Tile.Passes;
using Strata.Tile.Text;

namespace Strata.Block.Tests.Compilation;

public sealed class CompilerTests
{
    private static readonly string[] TileStageNames =
        [KernelStage.Fusion, .. TilePipeline.Default.Passes.Select(p => p.Name)];
    private static readonly string[] BlockStageNames =
        [KernelStage.Lower, .. BlockPipeline.Default.Passes.Select(p => p.Name)];

    private static CompiledModel Compile(CompilerOptions options)
    {
        var graph = TestModels.MlpSoftmax();
        return new Compiler(options).Compile(graph, TestModels.Inputs(graph));
    }

    [Fact]
    public void FormsTheExpectedKernels()
    {
        var model = Compile(CompilerOptions.Default);
        Assert.Equal(["mlp.k0", "mlp.k1"], model.Kernels.Select(k => k.Name));
        Assert.Equal(["MatMul", "Add", "Relu"], model.Kernels[0].Step.Nodes.Select(n => n.OpKey));
        Assert.Equal(["MatMul", "Softmax"], model.Kernels[1].Step.Nodes.Select(n => n.OpKey));
        Assert.Empty(model.Program.Fallbacks);
        Assert.Equal(5, model.Stats.Lowered);
    }

    [Fact]
    public void RecordsEveryStageInPipelineOrderOnlyWhenAsked()
    {
        var model = Compile(CompilerOptions.Default with { RecordStages = true });
        foreach (var k in model.Kernels)
        {
            Assert.Null(k.Failure);
            Assert.Equal(TileStageNames, k.TileStages.Select(s => s.Pass));
            Assert.Equal(BlockStageNames, k.BlockStages.Select(s => s.Pass));
            Assert.Equal([.. TileStageNames.Select(n => "tile/" + n), .. BlockStageNames.Select(n => "block/" + n)], k.Stages.Select(s => s.Name));
            Assert.Same(k.Step.Kernel, k.TileStages[^1].Kernel);
            Assert.Same(k.Block, k.BlockStages[^1].Kernel);
            Assert.Equal(k.FusedStep.Kernel, k.TileStages[0].Kernel);
            Assert.Equal(KnobSpace.For(k.Step.Kernel).Default(), k.Config);
        }
        Assert.All(Compile(CompilerOptions.Default).Kernels, k => Assert.Empty(k.Stages));
    }

    [Fact]
    public void ProgramStepsHoldTheKernelsAfterTheTilePasses()
    {
        var model = Compile(CompilerOptions.Default);
        Assert.Equal(model.Kernels.Select(k => k.Step), model.Program.Kernels);
    }

    [Fact]
    public void UsesTheChosenConfig()
    {
        var model = Compile(CompilerOptions.Default with { RecordStages = true, ChooseConfig = k => KnobSpace.For(k).Random(new Random(3)) });
        foreach (var k in model.Kernels)
        {
            Assert.Equal(KnobSpace.For(k.Step.Kernel).Random(new Random(3)), k.Config);
            Assert.Equal(TileToBlock.Lower(k.Step.Kernel, k.Config!), k.BlockStages[0].Kernel);
        }
    }

    [Fact]
    public void DumpWritesEveryLevelWithDeterministicNamesAndParsableText()
    {
        using var dir = new TempDir();
        Compile(CompilerOptions.Default with { DumpDirectory = dir.Path, VerifyEach = true });
        var files = Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir.Path, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var expected = new List<string> { "graph.strata", "program.txt" };
        foreach (var k in new[] { "mlp.k0", "mlp.k1" })
        {
            expected.Add($"{k}/config.txt");
            expected.AddRange(TileStageNames.Select((p, i) => $"{k}/tile.{i:D2}.{p}.strata"));
            expected.AddRange(BlockStageNames.Select((p, i) => $"{k}/block.{i:D2}.{p}.strata"));
        }
        Assert.Equal(expected.Order(StringComparer.Ordinal), files);

        GraphParser.Parse(File.ReadAllText(Path.Combine(dir.Path, "graph.strata")));
        foreach (var f in files)
        {
            var text = File.ReadAllText(Path.Combine(dir.Path, f));
            if (f.Contains("/tile.", StringComparison.Ordinal)) Assert.Equal(text, TilePrinter.Print(TileParser.ParseKernel(text)));
            else if (f.Contains("/block.", StringComparison.Ordinal)) Assert.Equal(text, BlockPrinter.Print(BlockParser.Parse(text)));
            else if (f.EndsWith("config.txt", StringComparison.Ordinal)) Assert.Equal(text.TrimEnd('\n'), Config.Parse(text).ToString());
        }
        Assert.Contains("kernel @mlp.k0", File.ReadAllText(Path.Combine(dir.Path, "program.txt")));
    }

    [Fact]
    public void DumpIsDeterministic()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        Compile(CompilerOptions.Default with { DumpDirectory = a.Path });
        Compile(CompilerOptions.Default with { DumpDirectory = b.Path });
        foreach (var f in Directory.EnumerateFiles(a.Path, "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllText(f), File.ReadAllText(Path.Combine(b.Path, Path.GetRelativePath(a.Path, f))));
    }

    /// <summary>A Tile pass that renames an output buffer: the pipeline's contract check stops it.</summary>
    private sealed class BreakOutputs : ITilePass
    {
        public string Name => "BreakOutputs";
        public TileKernel Run(TileKernel kernel) => kernel with { Outputs = [.. kernel.Outputs.Select(o => o with { Name = o.Name + "_x" })] };
    }

    /// <summary>A Block pass that reads an undefined value: only the verifier sees it.</summary>
    private sealed class UseUndefined : IBlockPass
    {
        public string Name => "UseUndefined";
        public BlockKernel Run(BlockKernel kernel)
        {
            var ghost = new BlockValue("ghost", BlockType.Scalar(DataType.Int64));
            return kernel with { Body = kernel.Body.Add(new BinaryBlockOp(new BlockValue("boo", ghost.Type), Tile.BinaryOp.Add, ghost, ghost)) };
        }
    }

    [Fact]
    public void VerifyEachNamesTheInjectedBlockPass()
    {
        var options = CompilerOptions.Default with { VerifyEach = true, BlockPasses = BlockPipeline.Default.Insert(0, new UseUndefined()) };
        var e = Assert.Throws<StrataException>(() => Compile(options));
        Assert.Contains("invalid after UseUndefined", e.Message);
        // Without --verify-each the broken pass goes unnoticed at compile time.
        Compile(options with { VerifyEach = false });
    }

    [Fact]
    public void ContinueOnKernelErrorRecordsTheFailingStage()
    {
        var options = CompilerOptions.Default with
        {
            RecordStages = true,
            ContinueOnKernelError = true,
            TilePasses = TilePipeline.Default.With(new BreakOutputs(), after: "SimplifyIndices"),
        };
        var model = Compile(options);
        Assert.All(model.Kernels, k =>
        {
            Assert.Equal(new StageFailure(StageLevel.Tile, "BreakOutputs", k.Failure!.Message), k.Failure);
            Assert.Equal(["fusion", "UnifyAxes", "SimplifyIndices"], k.TileStages.Select(s => s.Pass));
            Assert.Null(k.Block);
        });

        var verified = Compile(CompilerOptions.Default with
        {
            ContinueOnKernelError = true, VerifyEach = true,
            BlockPasses = BlockPipeline.Default.With(new UseUndefined(), after: "EliminateCommonSubexpressions"),
        });
        Assert.All(verified.Kernels, k => Assert.Equal(("block/UseUndefined", true), (k.Failure!.Name, k.Failure.Message.Contains("ghost"))));
    }

    private sealed class Crash : IBlockPass
    {
        public string Name => "Crash";
        public BlockKernel Run(BlockKernel kernel) => throw new NullReferenceException("boom");
    }

    [Fact]
    public void ACrashingPassIsNamedWithItsKernel()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Compile(CompilerOptions.Default with { BlockPasses = BlockPipeline.Default.Insert(1, new Crash()) }));
        Assert.Equal("kernel @mlp.k0: block/Crash failed: NullReferenceException: boom", e.Message);
        Assert.IsType<NullReferenceException>(e.InnerException);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("strata-compile-test-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
