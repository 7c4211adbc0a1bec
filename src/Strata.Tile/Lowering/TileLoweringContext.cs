using Strata.Core;
using Strata.Graph;

namespace Strata.Tile;

/// <summary>What an op's Tile lowering sees: the node, its opset, the input values (as inner functions), the
/// compile-time values of constant inputs, and the kernel being built.</summary>
public sealed class TileLoweringContext(Node node, int opset, IReadOnlyList<TileValue?> inputs, Func<int, Tensor?> constantInput, KernelBuilder builder)
{
    public Node Node { get; } = node;
    public int Opset { get; } = opset;
    public IReadOnlyList<TileValue?> Inputs { get; } = inputs;
    public KernelBuilder Builder { get; } = builder;

    public bool HasInput(int i) => i < Inputs.Count && Inputs[i] is not null;
    public TileValue Input(int i) => Inputs[i] ?? throw new StrataException(ErrorCode.MissingInput, $"input {i} is missing", null, Node.Describe());

    /// <summary>The value of input <paramref name="i"/> when known at compile time (shapes, axes, constants).</summary>
    public Tensor? ConstantInput(int i) => i < Node.Inputs.Length && Node.Inputs[i] is not null ? constantInput(i) : null;

    /// <summary>Why the lowering declined, when it said so with <see cref="Decline"/> (shown in fallback reports).</summary>
    public string? DeclineReason { get; private set; }

    /// <summary>Declines to lower this node, saying why: <c>return context.Decline("axes are not constant");</c>.</summary>
    public IReadOnlyList<TileValue?>? Decline(string reason)
    {
        DeclineReason = reason;
        return null;
    }

    /// <summary>The static output types inferred at the Graph level (shapes are concrete by now).</summary>
    public TensorType? OutputType(int i) => i < Node.Outputs.Length ? Node.Outputs[i]?.Type as TensorType : null;
}
