using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>The graph-level passes that prepare a specialised graph for fusion, in order (fusion itself follows them).</summary>
public sealed class GraphPipeline(IEnumerable<IGraphPass> passes)
{
    /// <summary>The standard list, for graphs specialised to their input shapes:
    /// <list type="number">
    /// <item>until nothing changes (nested Ifs, conditions computed from shapes): <see cref="FoldConstants"/> (nodes
    /// computable at compile time become constants: shape chains, Constant nodes), <see cref="InlineConstantIfs"/> (an
    /// If on a constant condition becomes the branch it takes), <see cref="InferTypes"/> (types of the inlined nodes);</item>
    /// <item><see cref="ConvTransposeAsPixelShuffle"/>: a ConvTranspose whose kernel is its stride becomes a 1×1 Conv and the
    /// interleave of its phases;</item>
    /// <item><see cref="FoldAffineIntoConv"/>: BatchNormalization and per-channel Mul/Add after a Conv with constant
    /// weights become that Conv's weights and bias; <see cref="CombineChannelAffine"/>: other chains of them become
    /// one Mul and one Add by per-channel constants;</item>
    /// <item><see cref="PrePadConvInput"/>: a padded conv with wide channels on a plane of rows that are no whole vectors
    /// reads a padded copy of its input (<paramref name="prePadding"/>: by its cost rule, or never / always);</item>
    /// <item><see cref="SubsamplePointwiseConvInput"/>: a strided 1×1 conv with wide channels reads a subsampled copy
    /// of its input at stride 1;</item>
    /// <item><see cref="PixelConvAsGemm"/>: a 1×1 conv of a 1×1 plane becomes a Gemm between views;</item>
    /// <item><see cref="EliminateDeadNodes"/>: drop nodes no graph output depends on;</item>
    /// <item><see cref="OrderForFusion"/>: a topological order that keeps each producer next to its readers.</item>
    /// </list>
    /// <paramref name="specializedInputs"/>: constants that stand for run-time inputs (see <see cref="FoldConstants"/>).</summary>
    public static GraphPipeline Standard(OpRegistry? ops = null, IReadOnlySet<Value>? specializedInputs = null,
        ConvPrePadding prePadding = ConvPrePadding.Default) => new([
        new GraphPipeline([new FoldConstants(ops, specializedInputs: specializedInputs), new InlineConstantIfs(), new InferTypes(ops)])
            .UntilUnchanged("FoldAndInline"),
        new ConvTransposeAsPixelShuffle(), new FoldAffineIntoConv(specializedInputs), new CombineChannelAffine(specializedInputs), new PrePadConvInput(prePadding),
        new SubsamplePointwiseConvInput(), new PixelConvAsGemm(),
        new EliminateDeadNodes(), new OrderForFusion()]);

    public static GraphPipeline Default { get; } = Standard();

    public ImmutableArray<IGraphPass> Passes { get; } = [.. passes];

    /// <summary>This list with <paramref name="pass"/> inserted after the pass named <paramref name="after"/> (or at the end).</summary>
    public GraphPipeline With(IGraphPass pass, string? after = null)
    {
        if (after is null) return new GraphPipeline(Passes.Add(pass));
        int i = Passes.IndexOf(Passes.FirstOrDefault(p => p.Name == after)!);
        if (i < 0) throw new StrataException(ErrorCode.InvalidArgument, $"the graph pipeline has no pass named '{after}'",
            $"passes are: {string.Join(", ", Passes.Select(p => p.Name))}");
        return new GraphPipeline(Passes.Insert(i + 1, pass));
    }

    /// <summary>This list as one pass that runs it again while a round changes the graph's nodes or constants (at most
    /// <paramref name="maxRounds"/> rounds).</summary>
    public IGraphPass UntilUnchanged(string name, int maxRounds = 8) => new Repeat(this, name, maxRounds);

    private sealed class Repeat(GraphPipeline pipeline, string name, int maxRounds) : IGraphPass
    {
        public string Name => name;

        public Graph.Graph Run(Graph.Graph graph)
        {
            for (int round = 0; round < maxRounds; round++)
            {
                var before = (graph.Nodes.ToList(), graph.Constants.Count);
                graph = pipeline.Run(graph);
                if (graph.Constants.Count == before.Item2 && graph.Nodes.SequenceEqual(before.Item1)) break;
            }
            return graph;
        }
    }

    /// <summary>This list as one pass (to nest it in another list or run it where a pass is expected).</summary>
    public IGraphPass AsPass(string name = "GraphPipeline") => new Nested(this, name);

    private sealed class Nested(GraphPipeline pipeline, string name) : IGraphPass
    {
        public string Name => name;
        public Graph.Graph Run(Graph.Graph graph) => pipeline.Run(graph);
    }

    public Graph.Graph Run(Graph.Graph graph, PipelineHooks? hooks = null)
    {
        hooks ??= PipelineHooks.None;
        hooks.AfterGraphPass?.Invoke("Input", graph);
        foreach (var pass in Passes)
        {
            graph = pass.Run(graph);
            hooks.AfterGraphPass?.Invoke(pass.Name, graph);
            if (hooks.VerifyGraph?.Invoke(graph) is { Count: > 0 } problems)
                throw new StrataException(ErrorCode.InvalidIr, $"graph @{graph.Name} is invalid after {pass.Name}: {string.Join("; ", problems)}",
                    $"the pass {pass.Name} is wrong: fix it or remove it from the pipeline", $"graph @{graph.Name}");
        }
        return graph;
    }
}
