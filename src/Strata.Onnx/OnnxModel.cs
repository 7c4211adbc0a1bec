namespace Strata.Onnx;

/// <summary>An imported model: the graph, plus the inputs and outputs exactly as the file declares them
/// (in file order; inputs include initializers that old models also list as inputs).</summary>
public sealed record OnnxModel(Graph.Graph Graph, IReadOnlyList<OnnxValueInfo> DeclaredInputs, IReadOnlyList<OnnxValueInfo> DeclaredOutputs);

/// <summary>A declared graph input or output. <see cref="Type"/> is null when the file gives no type or one
/// Strata cannot represent; <see cref="IsUnrepresentable"/> says the latter (maps, opaque types).</summary>
public sealed record OnnxValueInfo(string Name, Core.ValueType? Type, bool IsUnrepresentable);
