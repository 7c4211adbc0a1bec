namespace Strata.Conformance;

/// <summary>One ONNX node test found on disk: its folder (holding <c>model.onnx</c>) and the op it tests.</summary>
public sealed record ConformanceTest(string Name, string Directory, string Op);
