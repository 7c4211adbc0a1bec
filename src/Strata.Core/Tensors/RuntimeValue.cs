namespace Strata.Core;

/// <summary>A value at run time: a <see cref="Tensor"/>, a <see cref="TensorSequence"/> or an <see cref="OptionalValue"/>.</summary>
public abstract class RuntimeValue
{
    /// <summary>The static type that describes this value exactly (all dims known).</summary>
    public abstract ValueType Type { get; }
}

/// <summary>An ordered sequence of values (ONNX <c>seq</c>), usually tensors of one element type.</summary>
public sealed class TensorSequence(ValueType elementType, IReadOnlyList<RuntimeValue> items) : RuntimeValue
{
    public ValueType ElementType { get; } = elementType;
    public IReadOnlyList<RuntimeValue> Items { get; } = items.ToArray();
    public int Count => Items.Count;
    public override ValueType Type => new SequenceType(ElementType);
}

/// <summary>An ONNX optional: either holds a value or is empty.</summary>
public sealed class OptionalValue(ValueType elementType, RuntimeValue? value) : RuntimeValue
{
    public ValueType ElementType { get; } = elementType;
    public RuntimeValue? Value { get; } = value;
    public bool HasValue => Value is not null;
    public override ValueType Type => new OptionalType(ElementType);
}
