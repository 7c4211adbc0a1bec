using System.Collections.Immutable;
using Strata.Graph;

namespace Strata.Tile;

/// <summary>A model after fusion: an ordered list of steps, each a Tile kernel or a fallback node that runs
/// through the reference interpreter. Graph values flow between steps.</summary>
public sealed record TileProgram(Graph.Graph Source, ImmutableArray<ProgramStep> Steps)
{
    public IEnumerable<KernelStep> Kernels => Steps.OfType<KernelStep>();
    public IEnumerable<FallbackStep> Fallbacks => Steps.OfType<FallbackStep>();

    /// <summary>Values program passes put in place of graph values in another layout, with how each derives from the
    /// value it replaces (by identity).</summary>
    public ImmutableDictionary<Value, DerivedValue> Derived { get; init; } =
        ImmutableDictionary.Create<Value, DerivedValue>(ReferenceEqualityComparer.Instance);
}

public abstract record ProgramStep;

/// <summary>A fused kernel: <see cref="Inputs"/>[i] is bound to <c>Kernel.Inputs[i]</c> (a graph input, constant or
/// an earlier step's output), <see cref="Outputs"/>[i] receives <c>Kernel.Outputs[i]</c>. <see cref="Nodes"/> are the
/// graph nodes it implements (for reports and for <c>strata check</c>).</summary>
public sealed record KernelStep(TileKernel Kernel, ImmutableArray<Value> Inputs, ImmutableArray<Value> Outputs, ImmutableArray<Node> Nodes) : ProgramStep;

/// <summary>A node that does not lower (control flow, strings, data-dependent shapes…), with the reason.</summary>
public sealed record FallbackStep(Node Node, string Reason) : ProgramStep;
