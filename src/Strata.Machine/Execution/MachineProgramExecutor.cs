using Strata.Block;
using Strata.Block.Execution;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Machine.Execution;

/// <summary>Runs a <see cref="TileProgram"/> at level 3: every kernel is lowered to Block with a config (by default its
/// knob space's default), then to Machine for <see cref="Target"/>, and run by the <see cref="MachineInterpreter"/>;
/// fallback steps run through the node's reference op. Returns the graph outputs by name.</summary>
public sealed class MachineProgramExecutor(Target target, ExtensionRegistry? registry = null, int seed = 0)
{
    public Target Target { get; } = target;

    /// <summary>The config a kernel is lowered with (default: the knob space's default heuristic).</summary>
    public Func<TileKernel, Config> ChooseConfig { get; init; } = BlockProgramExecutor.DefaultConfig;

    public MachineLoweringOptions Lowering { get; init; } = MachineLoweringOptions.Default;

    public MachineRunOptions RunOptions { get; init; } = MachineRunOptions.Default;

    /// <summary>Called with each kernel, its config and its Machine lowering, before it runs (tracing, dumps).</summary>
    public Action<TileKernel, Config, MachineKernel>? OnKernelLowered { get; init; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(TileProgram program, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        new TileProgramExecutor(registry, seed) { RunKernel = RunKernel }.Run(program, inputs);

    /// <summary>Lowers one kernel and runs it: <paramref name="inputs"/>[i] is bound to <c>kernel.Inputs[i]</c>; returns one
    /// tensor per <c>kernel.Outputs</c>.</summary>
    public Tensor[] RunKernel(TileKernel kernel, IReadOnlyList<Tensor> inputs)
    {
        var config = ChooseConfig(kernel);
        var block = TileToBlock.Lower(kernel, config);
        var machine = BlockToMachine.Lower(block, config, Target, Lowering);
        OnKernelLowered?.Invoke(kernel, config, machine);
        return [.. MachineInterpreter.Call(machine, inputs, RunOptions)];
    }
}
