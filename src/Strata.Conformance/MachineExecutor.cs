using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Conformance;

/// <summary>Level 3: compiles the graph down to Block as <see cref="BlockExecutor"/> does (every stage verified), lowers
/// every kernel to Machine for <see cref="Target"/>, and runs it: kernels with the Machine interpreter (any target runs
/// on any host: it is emulated), fallbacks with the reference ops.</summary>
public sealed class MachineExecutor(Target target, ExtensionRegistry? registry = null) : ILoweringExecutor
{
    private readonly ExtensionRegistry _registry = registry ?? TileRegistry.Default;

    public Target Target { get; } = target;

    public string Name => "machine";

    /// <summary>The config each kernel is lowered with (null: its knob space's default heuristic).</summary>
    public Func<TileKernel, Config>? ChooseConfig { get; init; }

    public MachineLoweringOptions Lowering { get; init; } = MachineLoweringOptions.Default;

    /// <summary>Called with each compiled model before it runs (tests inspect the kernels).</summary>
    public Action<MachineModel>? OnCompiled { get; init; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        RunCounted(graph, inputs).Outputs;

    public (IReadOnlyDictionary<string, RuntimeValue?> Outputs, LoweringStats Stats) RunCounted(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var options = CompilerOptions.Default with { Registry = _registry, VerifyEach = true, SpecializeSmallInputs = 16, ChooseConfig = ChooseConfig };
        var compiled = new Compiler(options).Compile(graph, inputs);
        var machine = MachineCompiler.Lower(compiled, Target, Lowering with { VerifyEach = true });
        OnCompiled?.Invoke(machine);
        return (machine.Run(inputs, registry: _registry), compiled.Stats);
    }
}
