using System.Globalization;
using System.Text;
using Strata.Bench.Measuring;

namespace Strata.Bench.Reporting;

/// <summary>The rows as CSV (RFC 4180 quoting, invariant culture, latencies in milliseconds, empty cells where a value
/// is unknown), for scripts and spreadsheets.</summary>
public static class CsvReport
{
    private static readonly string[] Header =
    [
        "workload", "group", "threads", "flops",
        "ort_median_ms", "ort_p10_ms", "ort_p90_ms", "ort_runs",
        "strata_median_ms", "strata_p10_ms", "strata_p90_ms", "strata_runs",
        "ratio", "target_ratio", "meets_target", "ort_gflops", "strata_gflops", "peak_gflops", "ort_fraction_of_peak", "strata_fraction_of_peak", "peak_v256_gflops", "strata_fraction_of_v256_peak",
        "max_abs_error", "max_rel_error", "agree", "ort_open_s", "strata_open_s", "strata_note", "error",
    ];

    public static string Write(BenchReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', Header));
        foreach (var r in report.Results)
        {
            var cells = new List<string>
            {
                r.Workload, r.Group, r.Threads.ToString(CultureInfo.InvariantCulture), Num(r.Flops),
            };
            cells.AddRange(Latency(r.Ort));
            cells.AddRange(Latency(r.Strata));
            cells.Add(Num(r.Ratio));
            cells.Add(Num(r.TargetRatio));
            cells.Add(r.MeetsTarget is { } met ? (met ? "true" : "false") : "");
            cells.Add(Num(r.OrtGflops));
            cells.Add(Num(r.StrataGflops));
            cells.Add(Num(report.Peaks.Peak(r.Threads)));
            cells.Add(Num(report.FractionOfPeak(r.OrtGflops, r.Threads)));
            cells.Add(Num(report.FractionOfPeak(r.StrataGflops, r.Threads)));
            double? v256 = report.Peaks.Peak(FmaPeak.Width.V256, r.Threads);
            cells.Add(Num(v256));
            cells.Add(Num(r.StrataGflops is { } g && v256 is { } p && p > 0 ? g / p : null));
            cells.Add(Num(r.Agreement?.MaxAbsError));
            cells.Add(Num(r.Agreement?.MaxRelError));
            cells.Add(r.Agreement is null ? "" : r.Agreement.Agree ? "true" : "false");
            cells.Add(Num(r.OrtOpenSeconds));
            cells.Add(Num(r.StrataOpenSeconds));
            cells.Add(r.StrataNote ?? "");
            cells.Add(r.Error ?? "");
            sb.AppendLine(string.Join(',', cells.Select(Quote)));
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Latency(LatencySummary? s) => s is null
        ? ["", "", "", ""]
        : [Num(s.Median * 1e3), Num(s.P10 * 1e3), Num(s.P90 * 1e3), s.Runs.ToString(CultureInfo.InvariantCulture)];

    private static string Num(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("G6", CultureInfo.InvariantCulture) : "";

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
