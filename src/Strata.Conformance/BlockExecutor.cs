using Strata.Block;
using Strata.Block.Execution;
using Strata.Block.Verification;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Conformance;

/// <summary>Level 2: compiles the graph to a <see cref="TileProgram"/> as the Tile level does (fusion into kernels,
/// fallbacks for what does not lower, small inputs as constants), lowers every kernel to Block with its
/// default config (or <see cref="ChooseConfig"/>), verifies it, and runs it with the Block interpreter; fallbacks run
/// with the reference ops.</summary>
public sealed class BlockExecutor(ExtensionRegistry? registry = null) : ILoweringExecutor
{
    private readonly ExtensionRegistry _registry = registry ?? TileRegistry.Default;

    public string Name => "block";

    /// <summary>The config each kernel is lowered with (default: its knob space's default heuristic).</summary>
    public Func<TileKernel, Config> ChooseConfig { get; init; } = BlockProgramExecutor.DefaultConfig;

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        RunCounted(graph, inputs).Outputs;

    public (IReadOnlyDictionary<string, RuntimeValue?> Outputs, LoweringStats Stats) RunCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var compiler = new TileCompiler(new TileCompilerOptions { Registry = _registry, VerifyEach = true, SpecializeSmallInputs = 16 });
        var (program, stats) = compiler.CompileCounted(graph, inputs);
        var executor = new BlockProgramExecutor(_registry)
        {
            ChooseConfig = ChooseConfig,
            OnKernelLowered = (_, _, lowered) => BlockVerifier.Verify(lowered, checkBounds: false),
        };
        return (executor.Run(program, inputs), stats);
    }
}
