using Strata.Core;
using Strata.Tile.Execution;

namespace Strata.Conformance;

/// <summary>An executor that compiles below the graph level and can say, per op, how many nodes it lowered into
/// kernels and how many ran as fallbacks; the runner puts these counts into each result.</summary>
public interface ILoweringExecutor : IConformanceExecutor
{
    (IReadOnlyDictionary<string, RuntimeValue?> Outputs, LoweringStats Stats) RunCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs);
}
