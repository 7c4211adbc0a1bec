using Strata.Core;

namespace Strata.Graph;

/// <summary>What an op's type inference sees: the node, its opset, the input types, and the values of inputs
/// that are known at compile time (constants, or folded shape computations).</summary>
public sealed class InferenceContext(Node node, int opset, IReadOnlyList<Core.ValueType?> inputTypes, Func<int, Tensor?> constantInput)
{
    public Node Node { get; } = node;
    public int Opset { get; } = opset;
    public IReadOnlyList<Core.ValueType?> InputTypes { get; } = inputTypes;

    public int InputCount => InputTypes.Count;
    public bool HasInput(int i) => i < Node.Inputs.Length && Node.Inputs[i] is not null;

    public TensorType? InputTensor(int i) => i < InputTypes.Count ? InputTypes[i] as TensorType : null;

    /// <summary>The input's concrete dims if its shape is fully known.</summary>
    public int[]? InputShape(int i) => InputTensor(i)?.Shape?.ToConcrete();

    public DataType? InputElementType(int i) => InputTensor(i)?.ElementType;

    /// <summary>The value of input <paramref name="i"/> if it is known at compile time.</summary>
    public Tensor? ConstantInput(int i) => HasInput(i) ? constantInput(i) : null;

    public StrataException Error(ErrorCode code, string message, string? hint = null) =>
        new(code, message, hint ?? "check the node's inputs and attributes against the ONNX spec", Node.Describe());
}
