using System.Collections.Immutable;
using Strata.Block.Passes;
using Strata.Block.Verification;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Verification;
using Strata.Tile;
using Strata.Tile.Execution;
using Strata.Tile.Passes;
using Strata.Tile.Verification;

namespace Strata.Block.Compilation;

/// <summary>The whole compiler down to the Block level, as one visible sequence:
/// <list type="number">
/// <item>specialise the graph to the input shapes and run the graph passes (<see cref="CompilerOptions.GraphPasses"/>);</item>
/// <item>fusion: partition the graph into Tile kernels and fallback steps;</item>
/// <item>per kernel, the Tile passes (<see cref="CompilerOptions.TilePasses"/>);</item>
/// <item>per kernel, a config (<see cref="CompilerOptions.ChooseConfig"/>, by default the knob space's heuristic);</item>
/// <item>per kernel, Tile→Block lowering (<see cref="TileToBlock"/>) and the Block passes (<see cref="CompilerOptions.BlockPasses"/>).</item>
/// </list>
/// With <see cref="CompilerOptions.VerifyEach"/> every stage is verified; with <see cref="CompilerOptions.DumpDirectory"/>
/// every stage's text is written (<see cref="IrDump"/>); with <see cref="CompilerOptions.RecordStages"/> every stage's
/// kernel is kept. Deterministic: the same graph, inputs and options give the same kernels, names and configs.</summary>
public sealed class Compiler(CompilerOptions? options = null)
{
    public CompilerOptions Options { get; } = options ?? CompilerOptions.Default;

    /// <summary>Specialises <paramref name="graph"/> (in place) to the types of <paramref name="inputs"/> and compiles it.</summary>
    public CompiledModel Compile(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        Finish(TileCompiler().CompileCounted(graph, inputs));

    /// <summary>Compiles a graph whose types are already inferred with static shapes (the graph passes change it in place).</summary>
    public CompiledModel Compile(Graph.Graph graph) => Finish(TileCompiler().CompileCounted(graph));

    /// <summary>Graph passes and fusion, by <see cref="Tile.Execution.TileCompiler"/> with no Tile passes (this class runs
    /// them per kernel, recording each stage).</summary>
    private TileCompiler TileCompiler()
    {
        var hooks = PipelineHooks.None;
        if (Options.VerifyEach)
        {
            var ops = new OpRegistry(Options.Registry);
            hooks = hooks with { VerifyGraph = g => [.. GraphVerifier.Diagnose(g, ops).Where(d => d.IsError).Select(d => d.ToString())] };
        }
        return new TileCompiler(new TileCompilerOptions
        {
            Registry = Options.Registry,
            GraphPasses = Options.GraphPasses,
            TilePasses = new TilePipeline([]),
            Fusion = Options.Fusion,
            Hooks = hooks,
            SpecializeSmallInputs = Options.SpecializeSmallInputs,
            MergeContractionTaps = Options.MergeContractionTaps,
            PanelConstantWeights = Options.PanelConstantWeights,
            SplitColumnParity = Options.SplitColumnParity,
        });
    }

    private CompiledModel Finish((TileProgram Program, LoweringStats Stats) fused)
    {
        var dump = Options.DumpDirectory is { } dir ? new IrDump(dir) : null;
        dump?.WriteGraph(fused.Program.Source);
        var kernels = ImmutableArray.CreateBuilder<CompiledKernel>();
        var steps = ImmutableArray.CreateBuilder<ProgramStep>(fused.Program.Steps.Length);
        foreach (var step in fused.Program.Steps)
        {
            if (step is not KernelStep k) { steps.Add(step); continue; }
            var compiled = CompileKernel(k, dump);
            kernels.Add(compiled);
            steps.Add(compiled.Step);
        }
        var program = fused.Program with { Steps = steps.MoveToImmutable() };
        dump?.WriteProgram(program);
        return new CompiledModel(program, kernels.ToImmutable(), fused.Stats);
    }

    private CompiledKernel CompileKernel(KernelStep fusedStep, IrDump? dump)
    {
        string name = fusedStep.Kernel.Name;
        var tileStages = ImmutableArray.CreateBuilder<TileStage>();
        var blockStages = ImmutableArray.CreateBuilder<BlockStage>();
        // The stage being produced or checked right now: index `next` of `names` (for a failure report).
        var names = Options.TilePasses.Passes.Select(p => p.Name).Prepend(KernelStage.Fusion).ToList();
        var level = StageLevel.Tile;
        int next = 0;

        void Produced(KernelStage stage)
        {
            if (Options.RecordStages)
            {
                if (stage is TileStage t) tileStages.Add(t);
                else blockStages.Add((BlockStage)stage);
            }
            dump?.WriteStage(name, next, stage);
            if (Options.VerifyEach) Verify(stage);
            next++;
        }

        var step = fusedStep;
        Config? config = null;
        try
        {
            Produced(new TileStage(KernelStage.Fusion, fusedStep.Kernel));
            var tile = Options.TilePasses.Run(fusedStep.Kernel, new PipelineHooks { AfterTilePass = (p, k) => Produced(new TileStage(p, k)) });
            step = Tile.Execution.TileCompiler.Rebind(fusedStep, tile);

            (level, next, names) = (StageLevel.Block, 0, Options.BlockPasses.Passes.Select(p => p.Name).Prepend(KernelStage.Lower).ToList());
            config = Options.ChooseConfig?.Invoke(tile) ?? KnobSpace.For(tile).Default();
            dump?.WriteConfig(name, config);
            var lowered = TileToBlock.Lower(tile, config);
            Produced(new BlockStage(KernelStage.Lower, lowered));
            var block = Options.BlockPasses.Run(lowered, new BlockPipelineHooks { AfterPass = (p, k) => Produced(new BlockStage(p, k)) });
            return new CompiledKernel(fusedStep, step, config, block, tileStages.ToImmutable(), blockStages.ToImmutable(), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var failure = new StageFailure(level, next < names.Count ? names[next] : names[^1],
                e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            if (Options.ContinueOnKernelError)
                return new CompiledKernel(fusedStep, step, config, null, tileStages.ToImmutable(), blockStages.ToImmutable(), failure);
            if (e is StrataException) throw;
            // A crash in a pass is a compiler bug: say where it happened.
            throw new InvalidOperationException($"kernel @{name}: {failure.Name} failed: {failure.Message}", e);
        }
    }

    /// <summary>Verifies one stage's kernel; problems become one error naming the stage.</summary>
    private static void Verify(KernelStage stage)
    {
        if (stage is TileStage t) TilePipeline.Verify(new PipelineHooks { VerifyKernel = TileProblems }, t.Pass, t.Kernel);
        else if (stage is BlockStage b) BlockPipeline.Verify(new BlockPipelineHooks { VerifyKernel = BlockProblems }, b.Pass, b.Kernel);
    }

    private static IReadOnlyList<string> TileProblems(TileKernel kernel) =>
        [.. TileVerifier.Diagnose(kernel).Where(d => d.IsError).Select(d => d.ToString())];

    private static IReadOnlyList<string> BlockProblems(BlockKernel kernel) =>
        [.. BlockVerifier.Diagnose(kernel).Where(d => d.IsError).Select(d => d.ToString())];
}
