using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Conformance;

/// <summary>Level 1: compiles the graph to a <see cref="TileProgram"/> for the test's inputs (fusion into Tile kernels,
/// fallbacks for what does not lower) and runs it: kernels with the Tile interpreter, fallbacks with the reference ops.
/// Small inputs (shapes, axes, pads, scales that ONNX tests pass as inputs) are compiled as constants, as exported
/// models have them; kernels are verified after fusion and after every Tile pass.</summary>
public sealed class TileExecutor(ExtensionRegistry? registry = null) : ILoweringExecutor
{
    private readonly ExtensionRegistry _registry = registry ?? TileRegistry.Default;

    public string Name => "tile";

    /// <summary>Called with each compiled program before it runs (tests check every kernel's text round trip with it).</summary>
    public Action<TileProgram>? OnCompiled { get; init; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        RunCounted(graph, inputs).Outputs;

    public (IReadOnlyDictionary<string, RuntimeValue?> Outputs, LoweringStats Stats) RunCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var compiler = new TileCompiler(new TileCompilerOptions { Registry = _registry, VerifyEach = true, SpecializeSmallInputs = 16 });
        var (program, stats) = compiler.CompileCounted(graph, inputs);
        OnCompiled?.Invoke(program);
        return (new TileProgramExecutor(_registry).Run(program, inputs), stats);
    }
}
