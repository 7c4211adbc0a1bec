using Strata.Core;

namespace Strata.Graph;

/// <summary>An <see cref="IOpDefinition"/> built from two functions; what built-in op families register.</summary>
public sealed class OpSchema(
    string domain,
    string name,
    Func<InferenceContext, Core.ValueType?[]>? infer,
    Func<OpContext, RuntimeValue?[]> evaluate) : IOpDefinition
{
    public string Domain { get; } = Node.NormalizeDomain(domain);
    public string Name { get; } = name;

    public IReadOnlyList<Core.ValueType?> InferTypes(InferenceContext context) =>
        infer?.Invoke(context) ?? new Core.ValueType?[context.Node.Outputs.Length];

    public IReadOnlyList<RuntimeValue?> Evaluate(OpContext context) => evaluate(context);

    /// <summary>A default-domain op with one tensor output.</summary>
    public static OpSchema Unary(string name, Func<InferenceContext, Core.ValueType?>? infer, Func<OpContext, Tensor> evaluate) =>
        new("", name, infer is null ? null : c => [infer(c)], c => [evaluate(c)]);
}
