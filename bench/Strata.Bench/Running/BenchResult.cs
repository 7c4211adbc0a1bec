using Strata.Bench.Measuring;

namespace Strata.Bench.Running;

/// <summary>One row of the report: a workload at a thread count. Either engine's timing is null when it could not
/// run the workload or was not timed (then <see cref="Error"/> says why); the ratio is median(ORT)/median(Strata),
/// above 1 when Strata is faster. The open times are session creation plus the first run (Strata compiles then).</summary>
public sealed record BenchResult(
    string Workload, string Group, int Threads, double? Flops, double TargetRatio,
    LatencySummary? Ort, LatencySummary? Strata, OutputAgreement? Agreement, string? StrataNote, string? Error,
    double? OrtOpenSeconds = null, double? StrataOpenSeconds = null)
{
    public double? Ratio => Ort is not null && Strata is not null ? Ort.Median / Strata.Median : null;

    /// <summary>Whether the ratio reaches issue 5's target (null without a ratio).</summary>
    public bool? MeetsTarget => Ratio is { } r ? r >= TargetRatio : null;

    public double? OrtGflops => Gflops(Ort);
    public double? StrataGflops => Gflops(Strata);

    private double? Gflops(LatencySummary? s) => Flops is { } f && s is not null ? f / s.Median / 1e9 : null;
}
