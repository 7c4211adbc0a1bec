using Strata.Core;
using Strata.Graph;

namespace Strata.Conformance;

/// <summary>Level 0: runs the graph with the reference <see cref="GraphInterpreter"/>.</summary>
public sealed class GraphExecutor(OpRegistry? registry = null) : IConformanceExecutor
{
    public string Name => "graph";

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        new GraphInterpreter(registry).Run(graph, inputs);
}
