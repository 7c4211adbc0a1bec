using System.Globalization;
using System.Text;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Text;
using Strata.Graph.Verification;
using Strata.Tile.Fusion;
using Strata.Tile.Passes;

namespace Strata.Tile.Execution;

/// <summary>How <see cref="TileCompiler"/> compiles.</summary>
public sealed record TileCompilerOptions
{
    /// <summary>Ops and Tile lowerings (default: the built-in ones).</summary>
    public ExtensionRegistry Registry { get; init; } = TileRegistry.Default;

    /// <summary>The graph passes before fusion (null: <see cref="GraphPipeline.Standard"/> with <see cref="Registry"/>'s ops).</summary>
    public GraphPipeline? GraphPasses { get; init; }

    /// <summary>The Tile passes run on every kernel after fusion.</summary>
    public TilePipeline TilePasses { get; init; } = TilePipeline.Default;

    public FusionOptions Fusion { get; init; } = FusionOptions.Default;

    /// <summary>Verify the graph after each graph pass and each kernel after fusion and after each Tile pass (<c>--verify-each</c>).</summary>
    public bool VerifyEach { get; init; }

    /// <summary>Write the IR text after every pass into this folder (<c>--dump-ir DIR</c>): <c>graph/NN-Pass.strata</c>,
    /// <c>tile/KERNEL/NN-Pass.strata</c> and <c>program.txt</c>.</summary>
    public string? DumpDirectory { get; init; }

    /// <summary>Further observers and checks around every pass.</summary>
    public PipelineHooks Hooks { get; init; } = PipelineHooks.None;

    /// <summary>Numeric inputs with at most this many elements are compiled as constants (0: none). ONNX passes shapes,
    /// axes, pads and slice bounds as such tensors; as constants their ops lower (lowerings see their values, type
    /// inference gives static shapes). Nodes that read them are still computed, not folded. The program checks,
    /// when it runs, that these inputs have the values it was compiled for.</summary>
    public int SpecializeSmallInputs { get; init; }

    /// <summary>im2col: which group-1 convs get their (ci, kh, kw) merged into one K axis
    /// (<see cref="Passes.MergeContractionTaps"/>): by its cost rule, all it can merge (tests, experiments), or none.</summary>
    public TapMerging MergeContractionTaps { get; init; } = TapMerging.Default;

    /// <summary>Lay out constant [K, N] contraction weights in panels at compile time
    /// (<see cref="Passes.PanelContractionWeights"/>); off: read them in place as [K, N].</summary>
    public bool PanelConstantWeights { get; init; } = true;

    /// <summary>Store values that contractions read only at stride 2 along their innermost dim split by column parity
    /// (<see cref="Passes.SplitColumnParity"/>); off: as they are.</summary>
    public bool SplitColumnParity { get; init; } = true;
}

/// <summary>Compiles a graph to a <see cref="TileProgram"/>: specialises it to the input shapes, runs the graph passes,
/// fuses it into kernels and fallbacks (<see cref="FusionPass"/>), and runs the Tile passes on every kernel.</summary>
public sealed class TileCompiler(TileCompilerOptions? options = null)
{
    public TileCompilerOptions Options { get; } = options ?? new TileCompilerOptions();

    private OpRegistry Ops => new(Options.Registry);

    /// <summary>Specialises <paramref name="graph"/> (in place) to the types of <paramref name="inputs"/>, then compiles it.</summary>
    public TileProgram Compile(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) => CompileCounted(graph, inputs).Program;

    /// <summary><see cref="Compile(Graph.Graph, IReadOnlyDictionary{string, RuntimeValue})"/>, also counting lowered and fallback nodes.</summary>
    public (TileProgram Program, LoweringStats Stats) CompileCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var specialized = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        if (Options.SpecializeSmallInputs > 0)
            foreach (var input in graph.Inputs.ToList())
                if (inputs.TryGetValue(input.Name, out var v) && v is Tensor t && IsSmall(t))
                {
                    graph.Inputs.Remove(input);
                    input.Constant = t;
                    input.Type = t.Type;
                    graph.Constants.Add(input);
                    specialized.Add(input);
                }
        InputBinding.Specialize(graph, inputs, Ops);
        return CompileCounted(graph, specialized);
    }

    /// <summary>Compiles a graph whose types are already inferred with static shapes (nodes whose values have no static
    /// shape become fallbacks). The graph passes change <paramref name="graph"/> in place.</summary>
    public TileProgram Compile(Graph.Graph graph) => CompileCounted(graph).Program;

    public (TileProgram Program, LoweringStats Stats) CompileCounted(Graph.Graph graph) =>
        CompileCounted(graph, new HashSet<Value>(ReferenceEqualityComparer.Instance));

    private (TileProgram Program, LoweringStats Stats) CompileCounted(Graph.Graph graph, IReadOnlySet<Value> specializedInputs)
    {
        var original = graph.Nodes.ToList();
        var hooks = Hooks();
        var graphPasses = Options.GraphPasses
            ?? GraphPipeline.Standard(Ops, specializedInputs);
        graph = graphPasses.Run(graph, hooks);
        var fused = new FusionPass(Options.Registry, Options.Fusion).Run(graph);
        var steps = fused.Steps.Select(step =>
        {
            if (step is not KernelStep k) return step;
            hooks.AfterTilePass?.Invoke("Fusion", k.Kernel);
            TilePipeline.Verify(hooks, "Fusion", k.Kernel);
            return Rebind(k, Options.TilePasses.Run(k.Kernel, hooks));
        }).ToList();
        var program = RelayoutContractionWeights.Run(fused with { Steps = [.. steps] }, Options.MergeContractionTaps);
        if (Options.PanelConstantWeights) program = PanelContractionWeights.Run(program);
        if (Options.SplitColumnParity) program = SplitColumnParity.Run(program);
        if (Options.DumpDirectory is { } dir) Dump(dir, "program.txt", Describe(program));
        return (program, LoweringStats.Of(program, original));
    }

    /// <summary>The step for a kernel that a pass changed: its inputs re-bound by buffer name (passes may drop inputs).</summary>
    public static KernelStep Rebind(KernelStep step, TileKernel kernel)
    {
        if (ReferenceEquals(kernel, step.Kernel)) return step;
        var byName = new Dictionary<string, Value>(StringComparer.Ordinal);
        for (int i = 0; i < step.Kernel.Inputs.Length; i++) byName[step.Kernel.Inputs[i].Name] = step.Inputs[i];
        return step with { Kernel = kernel, Inputs = [.. kernel.Inputs.Select(b => byName[b.Name])] };
    }

    /// <summary>A readable list of a program's steps: each kernel with its graph values and nodes, each fallback with its reason.</summary>
    public static string Describe(TileProgram program)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"program @{program.Source.Name}: {program.Kernels.Count()} kernels, {program.Fallbacks.Count()} fallbacks\n");
        foreach (var step in program.Steps)
        {
            if (step is KernelStep k)
                sb.Append(CultureInfo.InvariantCulture,
                    $"kernel @{k.Kernel.Name}({string.Join(", ", k.Inputs.Select(v => "%" + v.Name))}) -> ({string.Join(", ", k.Outputs.Select(v => "%" + v.Name))})  # {string.Join(", ", k.Nodes.Select(n => n.OpKey))}\n");
            else if (step is FallbackStep f)
                sb.Append(CultureInfo.InvariantCulture,
                    $"fallback {f.Node.OpKey}({string.Join(", ", f.Node.Inputs.Select(v => v is null ? "_" : "%" + v.Name))}) -> ({string.Join(", ", f.Node.Outputs.Select(v => v is null ? "_" : "%" + v.Name))})  # {f.Reason}\n");
        }
        foreach (var (value, d) in program.Derived.OrderBy(p => p.Key.Name, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"derived %{value.Name} = @{d.Relayout.Name}(%{d.Source.Name})\n");
        return sb.ToString();
    }

    private PipelineHooks Hooks()
    {
        var hooks = PipelineHooks.None;
        if (Options.VerifyEach)
        {
            var ops = Ops;
            hooks = hooks with
            {
                VerifyGraph = g => [.. GraphVerifier.Diagnose(g, ops).Where(d => d.IsError).Select(d => d.ToString())],
                VerifyKernel = k => [.. Verification.TileVerifier.Diagnose(k).Where(d => d.IsError).Select(d => d.ToString())],
            };
        }
        if (Options.DumpDirectory is { } dir)
        {
            int graphStep = 0;
            var kernelSteps = new Dictionary<string, int>(StringComparer.Ordinal);
            hooks = hooks with
            {
                AfterGraphPass = (pass, g) => Dump(dir, Path.Combine("graph", $"{graphStep++:D2}-{pass}.strata"), GraphPrinter.Print(g)),
                AfterTilePass = (pass, k) =>
                {
                    int n = kernelSteps.GetValueOrDefault(k.Name);
                    kernelSteps[k.Name] = n + 1;
                    Dump(dir, Path.Combine("tile", FileName(k.Name), $"{n:D2}-{pass}.strata"), Text.TilePrinter.Print(k));
                },
            };
        }
        return hooks.Then(Options.Hooks);
    }

    private static void Dump(string dir, string relative, string text)
    {
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string FileName(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray());

    private bool IsSmall(Tensor t) =>
        t.DataType is DataType.Int64 or DataType.Int32 or DataType.Float32 or DataType.Float64 && t.Length <= Options.SpecializeSmallInputs;
}
