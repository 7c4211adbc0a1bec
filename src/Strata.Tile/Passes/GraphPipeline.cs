using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>The graph-level passes that prepare a specialised graph for fusion, in order (fusion itself follows them).</summary>
public sealed class GraphPipeline(IEnumerable<IGraphPass> passes)
{
    /// <summary>The default list:
    /// <list type="number">
    /// <item><see cref="FoldConstants"/>: nodes computable at compile time become constants (shape chains, Constant nodes);</item>
    /// <item><see cref="EliminateDeadNodes"/>: drop nodes no graph output depends on;</item>
    /// <item><see cref="OrderForFusion"/>: a topological order that keeps each producer next to its readers.</item>
    /// </list></summary>
    public static ImmutableArray<IGraphPass> DefaultPasses { get; } = [new FoldConstants(), new EliminateDeadNodes(), new OrderForFusion()];

    public static GraphPipeline Default { get; } = new(DefaultPasses);

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
