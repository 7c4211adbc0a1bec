using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Block.Execution;

/// <summary>Runs a <see cref="TileProgram"/> at level 2: every kernel is lowered to Block with a config (by default
/// its knob space's <see cref="KnobSpace.Default"/>) and run by the <see cref="BlockInterpreter"/>; fallback steps run
/// through the node's reference op (as in <see cref="TileProgramExecutor"/>). Returns the graph outputs by name.</summary>
public sealed class BlockProgramExecutor(ExtensionRegistry? registry = null, int seed = 0)
{
    /// <summary>The config a kernel is lowered with (default: the knob space's default heuristic).</summary>
    public Func<TileKernel, Config> ChooseConfig { get; init; } = DefaultConfig;

    /// <summary>How the Block interpreter runs program instances (default: row-major, races checked).</summary>
    public BlockRunOptions RunOptions { get; init; } = BlockRunOptions.Default;

    /// <summary>Called with each kernel, its config and its Block lowering, before it runs (tracing, dumps).</summary>
    public Action<TileKernel, Config, BlockKernel>? OnKernelLowered { get; init; }

    /// <summary>Called after each step with the values it produced.</summary>
    public Action<ProgramStep, IReadOnlyList<RuntimeValue?>>? OnStepEvaluated { get; init; }

    public static Config DefaultConfig(TileKernel kernel) => KnobSpace.For(kernel).Default();

    public IReadOnlyDictionary<string, RuntimeValue?> Run(TileProgram program, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        new TileProgramExecutor(registry, seed) { RunKernel = RunKernel, OnStepEvaluated = OnStepEvaluated }.Run(program, inputs);

    /// <summary>Lowers one kernel with <see cref="ChooseConfig"/> and runs it: <paramref name="inputs"/>[i] is bound to
    /// <c>kernel.Inputs[i]</c>; returns one tensor per <c>kernel.Outputs</c>.</summary>
    public Tensor[] RunKernel(TileKernel kernel, IReadOnlyList<Tensor> inputs)
    {
        var config = ChooseConfig(kernel);
        var lowered = TileToBlock.Lower(kernel, config);
        OnKernelLowered?.Invoke(kernel, config, lowered);
        return [.. BlockInterpreter.Call(lowered, inputs, RunOptions)];
    }
}
