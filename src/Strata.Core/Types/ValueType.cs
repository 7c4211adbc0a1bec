namespace Strata.Core;

/// <summary>The static type of a graph value: a tensor, a sequence of values, or an optional value.</summary>
public abstract record ValueType
{
    public static TensorType Tensor(DataType elementType, Shape? shape = null) => new(elementType, shape);
}

/// <summary>A tensor type. <see cref="Shape"/> is null when even the rank is unknown.</summary>
public sealed record TensorType(DataType ElementType, Shape? Shape) : ValueType
{
    /// <summary>Text form: <c>f32[128,768]</c>, <c>f32[]</c> for a scalar, <c>f32[*]</c> for unknown rank.</summary>
    public override string ToString() => ElementType.ShortName() + (Shape?.ToString() ?? "[*]");
}

public sealed record SequenceType(ValueType ElementType) : ValueType
{
    public override string ToString() => $"seq<{ElementType}>";
}

public sealed record OptionalType(ValueType ElementType) : ValueType
{
    public override string ToString() => $"opt<{ElementType}>";
}
