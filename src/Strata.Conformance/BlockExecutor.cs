using Strata.Block.Compilation;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Conformance;

/// <summary>Level 2: compiles the graph with the Block-level <see cref="Compiler"/>, as <c>strata run --level block</c>
/// does (graph passes, fusion into Tile kernels with fallbacks for what does not lower, small inputs as constants, Tile
/// passes, every kernel lowered to Block with its default config (or <see cref="ChooseConfig"/>), Block passes; every
/// stage verified), and runs it: kernels with the Block interpreter, fallbacks with the reference ops.</summary>
public sealed class BlockExecutor(ExtensionRegistry? registry = null) : ILoweringExecutor
{
    private readonly ExtensionRegistry _registry = registry ?? TileRegistry.Default;

    public string Name => "block";

    /// <summary>The config each kernel is lowered with (null: its knob space's default heuristic).</summary>
    public Func<TileKernel, Config>? ChooseConfig { get; init; }

    /// <summary>Called with each compiled model before it runs (tests inspect the kernels).</summary>
    public Action<CompiledModel>? OnCompiled { get; init; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        RunCounted(graph, inputs).Outputs;

    public (IReadOnlyDictionary<string, RuntimeValue?> Outputs, LoweringStats Stats) RunCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var options = CompilerOptions.Default with { Registry = _registry, VerifyEach = true, SpecializeSmallInputs = 16, ChooseConfig = ChooseConfig };
        var compiled = new Compiler(options).Compile(graph, inputs);
        OnCompiled?.Invoke(compiled);
        return (compiled.Run(inputs, registry: _registry), compiled.Stats);
    }
}
