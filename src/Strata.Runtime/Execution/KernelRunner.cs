using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine;

namespace Strata.Runtime;

/// <summary>One memory argument of a kernel as the runtime binds it: a whole row-major tensor.</summary>
public sealed record RunnerParam(string Name, ParamRole Role, DataType Element, ImmutableArray<long> Shape)
{
    public int[] IntShape => [.. Shape.Select(d => checked((int)d))];
    public long Bytes => NativeTensors.Bytes(Element, Shape);

    public static RunnerParam Of(BlockParam p) => new(p.Name, p.Role, p.Element, p.Shape);
}

/// <summary>How one kernel step runs, at one level: natively, or in the Machine, Block or Tile interpreter. Every
/// runner takes one pointer per <see cref="Params"/> entry (inputs, outputs, scratch), in that order.</summary>
internal abstract unsafe class KernelRunner
{
    public abstract string Name { get; }
    public abstract ExecutionLevel Level { get; }
    public abstract ImmutableArray<RunnerParam> Params { get; }

    /// <summary>Why the kernel runs at this level rather than the one asked for (null if it runs where asked).</summary>
    public string? Reason { get; init; }

    /// <summary>Program instances (1 for the interpreters, which run a whole kernel per call).</summary>
    public virtual long Programs => 1;

    /// <summary>Per-worker scratch bytes (native kernels' local buffers).</summary>
    public virtual long LocalBytes => 0;

    public TimeSpan CompileTime { get; init; }

    /// <summary>The Machine kernel this runner executes (native code or the Machine interpreter), else null: what
    /// <see cref="InPlaceOutputs"/> proves its aliasing on.</summary>
    public virtual MachineKernel? Machine => null;

    public abstract void Run(nint* args, RunContext context);

    /// <summary>The arguments as tensors that view the memory (inputs, outputs and scratch alike).</summary>
    protected Tensor[] Views(nint* args)
    {
        var views = new Tensor[Params.Length];
        for (int i = 0; i < views.Length; i++) views[i] = NativeTensors.View(Params[i].Element, args[i], Params[i].IntShape);
        return views;
    }
}
