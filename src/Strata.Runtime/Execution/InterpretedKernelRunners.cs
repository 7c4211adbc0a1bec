using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>A kernel run by the Block interpreter on the arena's memory (level Block, or a kernel that did not lower
/// further).</summary>
internal sealed unsafe class BlockKernelRunner(BlockKernel kernel) : KernelRunner
{
    public BlockKernel Kernel { get; } = kernel;
    public override string Name => Kernel.Name;
    public override ExecutionLevel Level => ExecutionLevel.Block;
    public override ImmutableArray<RunnerParam> Params { get; } = [.. kernel.Params.Select(RunnerParam.Of)];

    public override void Run(nint* args, RunContext context) => BlockInterpreter.Run(Kernel, Views(args));
}

/// <summary>A kernel whose compilation below Tile failed, run by the Tile interpreter (its temporaries are its own).</summary>
internal sealed unsafe class TileKernelRunner(TileKernel kernel) : KernelRunner
{
    public TileKernel Kernel { get; } = kernel;
    public override string Name => Kernel.Name;
    public override ExecutionLevel Level => ExecutionLevel.Tile;
    public override ImmutableArray<RunnerParam> Params { get; } =
        [.. kernel.Inputs.Select(b => new RunnerParam(b.Name, ParamRole.Input, b.ElementType, b.Shape)),
         .. kernel.Outputs.Select(b => new RunnerParam(b.Name, ParamRole.Output, b.ElementType, b.Shape))];

    public override void Run(nint* args, RunContext context)
    {
        var views = Views(args);
        var outputs = TileInterpreter.Run(Kernel, views[..Kernel.Inputs.Length]);
        for (int i = 0; i < outputs.Length; i++)
        {
            var p = Params[Kernel.Inputs.Length + i];
            NativeTensors.CopyTo(outputs[i], args[Kernel.Inputs.Length + i], p.Bytes);
        }
    }
}
