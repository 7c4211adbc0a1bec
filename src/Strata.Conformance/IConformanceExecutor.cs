using Strata.Core;

namespace Strata.Conformance;

/// <summary>Runs an imported graph at one level of the compiler (graph interpreter, tile, block, native…),
/// so the conformance runner can check every level against the same ONNX test data.</summary>
public interface IConformanceExecutor
{
    /// <summary>The level's name as given to <c>--level</c>, e.g. <c>graph</c>.</summary>
    string Name { get; }

    /// <summary>Runs <paramref name="graph"/> on named inputs and returns the graph outputs by name.</summary>
    IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs);
}
