using System.Globalization;
using System.Text;
using Strata.Bench.Measuring;
using Strata.Bench.Running;

namespace Strata.Bench.Reporting;

/// <summary>The report as Markdown: a header (machine, versions, peaks, how it ran) and one table row per workload
/// and thread count. Ratio = median(ORT) / median(Strata): above 1, Strata is faster.</summary>
public static class MarkdownReport
{
    public static string Write(BenchReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Strata vs ONNX Runtime — {report.Started.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {report.Host}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {report.Cpu}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- .NET {report.Runtime}; ONNX Runtime {report.OrtVersion}; Strata engine: {report.StrataEngine}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Mode: {report.Mode}; total time {report.Elapsed:m\\:ss} (m:ss)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{report.CommandLine}`");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- FMA peak, GFLOP/s (start / end): {Peaks(report.Peaks)}");
        sb.AppendLine("- Latencies: median (p10–p90) of interleaved timed runs after warm-up; ratio = median(ORT) / median(Strata), "
            + "> 1 means Strata is faster; runs = timed runs ORT/Strata; % peak = GFLOP/s over the same-run FMA peak at that thread count (widest vectors the CPU has); rel err = max |Strata − ORT| / max |ORT| "
            + $"(outputs agree when ≤ {OutputAgreement.Tolerance:G1}).");
        sb.AppendLine();
        sb.AppendLine("| workload | thr | ORT ms | Strata ms | ratio | target | ORT GFLOP/s | Strata GFLOP/s | ORT % peak | Strata % peak | runs | rel err | check |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in report.Results)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Workload} | {r.Threads} | {Latency(r.Ort)} | {Latency(r.Strata)} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{Number(r.Ratio, "F2", bold: r.Ratio >= 1)} | {Target(r)} | {Number(r.OrtGflops, "F1")} | {Number(r.StrataGflops, "F1")} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{Percent(report.FractionOfPeak(r.OrtGflops, r.Threads))} | {Percent(report.FractionOfPeak(r.StrataGflops, r.Threads))} | ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.Ort?.Runs.ToString(CultureInfo.InvariantCulture) ?? "—"}/{r.Strata?.Runs.ToString(CultureInfo.InvariantCulture) ?? "—"} | ");
            sb.AppendLine(CultureInfo.InvariantCulture, $"{(r.Agreement is { } a && !double.IsNaN(a.MaxRelError) ? a.MaxRelError.ToString("0.0e0", CultureInfo.InvariantCulture) : "—")} | {Check(r)} |");
        }
        WriteSummary(sb, report);
        var notes = report.Results.Where(r => r.StrataNote is not null).Select(r => (Workload: $"{r.Workload} t={r.Threads}", Note: r.StrataNote!)).ToList();
        if (notes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Strata notes:");
            sb.AppendLine();
            foreach (var (workload, note) in notes) sb.AppendLine(CultureInfo.InvariantCulture, $"- {workload}: {note}");
        }
        return sb.ToString();
    }

    private static string Target(BenchResult r) => string.Create(CultureInfo.InvariantCulture,
        $"≥ {r.TargetRatio:0.0#}{(r.MeetsTarget is { } met ? met ? " met" : " missed" : "")}");

    /// <summary>Per group and thread count: the geometric mean of the ratios and how many rows meet their target.</summary>
    private static void WriteSummary(StringBuilder sb, BenchReport report)
    {
        var groups = report.Results.Where(r => r.Ratio is > 0).GroupBy(r => (r.Group, r.Threads)).ToList();
        if (groups.Count == 0) return;
        sb.AppendLine();
        sb.AppendLine("| group | thr | geomean ratio | targets met |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var g in groups)
        {
            double geomean = Math.Exp(g.Average(r => Math.Log(r.Ratio!.Value)));
            int total = report.Results.Count(r => r.Group == g.Key.Group && r.Threads == g.Key.Threads);
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Key.Group} | {g.Key.Threads} | {geomean:F2} | {g.Count(r => r.MeetsTarget == true)} of {total} |");
        }
    }

    private static string Peaks(PeakMeasurements p)
    {
        var parts = p.Keys.Select(k => string.Create(CultureInfo.InvariantCulture,
            $"{k.Width} {k.Threads} thread{(k.Threads == 1 ? "" : "s")}: {Get(p.Start, k)} / {Get(p.End, k)}"));
        string text = string.Join("; ", parts);
        return text.Length == 0 ? "not measured (no FMA)" : text;

        static string Get(IReadOnlyDictionary<(FmaPeak.Width, int), double> d, (FmaPeak.Width, int) k) =>
            d.TryGetValue(k, out var v) ? v.ToString("F1", CultureInfo.InvariantCulture) : "—";
    }

    private static string Latency(LatencySummary? s) => s is null ? "—"
        : string.Create(CultureInfo.InvariantCulture, $"{Ms(s.Median)} ({Ms(s.P10)}–{Ms(s.P90)})");

    /// <summary>Milliseconds with three significant digits or more.</summary>
    private static string Ms(double seconds)
    {
        double ms = seconds * 1e3;
        return ms.ToString(ms >= 100 ? "F1" : ms >= 10 ? "F2" : ms >= 1 ? "F3" : "F4", CultureInfo.InvariantCulture);
    }

    private static string Number(double? v, string format, bool bold = false) => v is { } x
        ? (bold ? $"**{x.ToString(format, CultureInfo.InvariantCulture)}**" : x.ToString(format, CultureInfo.InvariantCulture))
        : "—";

    private static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "—";

    private static string Check(BenchResult r)
    {
        string check = r.Agreement is null ? "—" : r.Agreement.Agree ? "ok" : "**MISMATCH**: " + r.Agreement.Problem;
        return r.Error is null ? check : $"{check}; {Escape(r.Error)}";
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
