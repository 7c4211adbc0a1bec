using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Block.Compilation;

/// <summary>A model compiled down to the Block level: the program of kernel and fallback steps (over the graph as the
/// graph passes left it), every kernel at every level, and the lowered-vs-fallback counts.</summary>
public sealed record CompiledModel(TileProgram Program, ImmutableArray<CompiledKernel> Kernels, LoweringStats Stats)
{
    public Graph.Graph Graph => Program.Source;

    public CompiledKernel Kernel(string name) => Kernels.FirstOrDefault(k => k.Name == name)
        ?? throw new Core.StrataException(Core.ErrorCode.InvalidArgument, $"the model has no kernel @{name}",
            $"kernels are: {string.Join(", ", Kernels.Select(k => "@" + k.Name))}");

    /// <summary>Runs the model at the Block level: every kernel step runs its Block kernel (after the Block passes) with
    /// the <see cref="BlockInterpreter"/>; fallback steps run the node's reference op. Returns the graph outputs by name.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs,
        BlockRunOptions? options = null, ExtensionRegistry? registry = null)
    {
        var blocks = Kernels.ToDictionary(k => k.Name, StringComparer.Ordinal);
        var executor = new TileProgramExecutor(registry)
        {
            RunKernel = (kernel, args) => blocks[kernel.Name] is { Block: { } block } ? [.. BlockInterpreter.Call(block, args, options)]
                : throw new StrataException(ErrorCode.InvalidIr, $"kernel @{kernel.Name} did not compile: {blocks[kernel.Name].Failure?.Message}",
                    "fix the failing pass, or compile without ContinueOnKernelError to see the error where it happens", $"tile kernel @{kernel.Name}"),
        };
        return executor.Run(Program, inputs);
    }
}
