using Strata.Core;

namespace Strata.Bench.Workloads;

/// <summary>One benchmark workload: a name, a group (matmul, conv, transformer, activation, light) and a way to build it. The
/// model is built only when the workload is selected, so <c>--filter</c> skips the cost of the others.</summary>
/// <param name="Flops">Floating-point operations of one run where the count is known (2·M·N·K for a MatMul, the
/// MatMuls only for the MLP and BERT blocks, 2·N·Cout·Hout·Wout·Cin/group·kh·kw for a Conv); null otherwise.</param>
/// <param name="TargetRatio">The ratio median(ORT)/median(Strata) that issue 5 asks for at 1 and 2 threads.</param>
public sealed record Workload(string Name, string Group, double? Flops, double TargetRatio, Func<WorkloadModel> Build);

/// <summary>A built workload: the ONNX model's bytes (the SAME bytes go to both engines) and its named inputs.</summary>
public sealed record WorkloadModel(byte[] OnnxBytes, IReadOnlyList<NamedInput> Inputs);

/// <summary>A graph input and the fp32 tensor fed to it.</summary>
public sealed record NamedInput(string Name, Tensor<float> Value);
