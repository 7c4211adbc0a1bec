using System.Collections.Immutable;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Machine.Compilation;

/// <summary>One kernel of a model at the Machine level: its Block compilation and its Machine kernel (null, with the
/// reason in <see cref="Failure"/>, when it did not lower).</summary>
public sealed record MachineCompiledKernel(CompiledKernel Block, MachineKernel? Machine, string? Failure)
{
    public string Name => Block.Name;
}

/// <summary>A model compiled down to the Machine level for one <see cref="Target"/>: the Block compilation (its program
/// of kernel and fallback steps) and every kernel's Machine lowering.</summary>
public sealed record MachineModel(CompiledModel Block, Target Target, ImmutableArray<MachineCompiledKernel> Kernels)
{
    public MachineCompiledKernel Kernel(string name) => Kernels.FirstOrDefault(k => k.Name == name)
        ?? throw new StrataException(ErrorCode.InvalidArgument, $"the model has no kernel @{name}",
            $"kernels are: {string.Join(", ", Kernels.Select(k => "@" + k.Name))}");

    /// <summary>Runs the model at the Machine level: kernel steps with the <see cref="MachineInterpreter"/>, fallback
    /// steps with the node's reference op. Returns the graph outputs by name.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs,
        MachineRunOptions? options = null, ExtensionRegistry? registry = null)
    {
        var kernels = Kernels.ToDictionary(k => k.Name, StringComparer.Ordinal);
        var executor = new TileProgramExecutor(registry)
        {
            RunKernel = (kernel, args) => kernels[kernel.Name] is { Machine: { } machine } ? [.. MachineInterpreter.Call(machine, args, options)]
                : throw new StrataException(ErrorCode.InvalidIr, $"kernel @{kernel.Name} did not lower to Machine: {kernels[kernel.Name].Failure}",
                    "fix the lowering, or run at the Block level", $"tile kernel @{kernel.Name}"),
        };
        return executor.Run(Block.Program, inputs);
    }
}
