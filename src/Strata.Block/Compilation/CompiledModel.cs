using System.Collections.Immutable;
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
}
