using Strata.Core;

namespace Strata.Runtime;

/// <summary>A model input or output: its name, element type and shape (dims may be symbolic, e.g. <c>N</c>; null when
/// the model does not say).</summary>
public sealed record IoInfo(string Name, DataType ElementType, Shape? Shape)
{
    /// <summary>The declared type as the model states it (tensor, sequence, optional), or null if unknown.</summary>
    public Core.ValueType? Type { get; init; }

    public override string ToString() => $"{Name}: {(Type?.ToString() ?? $"{ElementType.ShortName()}{Shape}")}";
}
