using Strata.Core;

namespace Strata.Graph;

/// <summary>The contract for an operator: type/shape inference and reference evaluation, for all opset
/// versions of the op (the context carries the version). Built-in ops implement it like plugin ops do.</summary>
public interface IOpDefinition
{
    /// <summary>Domain ("" for the default ONNX domain).</summary>
    string Domain { get; }
    string Name { get; }

    /// <summary>Output types, one per node output; an entry is null when it cannot be inferred statically.</summary>
    IReadOnlyList<Core.ValueType?> InferTypes(InferenceContext context);

    /// <summary>Evaluates the op on concrete values (the reference interpreter). One entry per node output.</summary>
    IReadOnlyList<RuntimeValue?> Evaluate(OpContext context);
}
