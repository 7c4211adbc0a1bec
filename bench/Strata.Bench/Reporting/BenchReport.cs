using Strata.Bench.Running;

namespace Strata.Bench.Reporting;

/// <summary>Everything a report prints: where and how the benchmark ran, the measured peaks, and the rows.</summary>
public sealed record BenchReport(
    DateTimeOffset Started, TimeSpan Elapsed, string Host, string Cpu, string Runtime, string OrtVersion,
    string StrataEngine, string Mode, string CommandLine, PeakMeasurements Peaks, IReadOnlyList<BenchResult> Results)
{
    /// <summary>The file stem for this run's result files: <c>yyyy-MM-dd-HHmm-host</c>.</summary>
    public string FileStem => $"{Started.UtcDateTime:yyyy-MM-dd-HHmm}-{Host}";

    public double? FractionOfPeak(double? gflops, int threads) =>
        gflops is { } g && Peaks.Peak(threads) is { } p && p > 0 ? g / p : null;
}
