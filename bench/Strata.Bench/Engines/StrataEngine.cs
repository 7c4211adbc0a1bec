using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench.Engines;

/// <summary>Strata's native runtime. Placeholder until Strata.Runtime's InferenceSession lands: opening a session
/// fails with a clear error, so the benchmark still times ONNX Runtime and says why Strata has no numbers.</summary>
public sealed class StrataEngine : IBenchEngine
{
    public string Name => "strata";

    public IBenchSession Open(WorkloadModel model, int threads) =>
        throw new StrataException(ErrorCode.NotImplemented, "Strata.Runtime has no InferenceSession yet",
            "run with --strata reference to benchmark against the Graph interpreter");
}
