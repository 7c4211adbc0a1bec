using System.Globalization;
using ScottPlot;
using Strata.Bench.Running;

namespace Strata.Bench.Reporting;

/// <summary>A bar chart of the ratios median(ORT)/median(Strata) per workload, one bar per thread count, on a log
/// scale around a dashed line at 1.0: bars up, Strata is faster; bars down, ONNX Runtime is. Workloads without a
/// ratio (an engine failed) get no bar but keep their label, so a gap is visible.</summary>
public static class RatioChart
{
    private static readonly Color[] ThreadColors = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.Purple];

    public static void Save(BenchReport report, string path)
    {
        var threads = report.Results.Select(r => r.Threads).Distinct().Order().ToList();
        var workloads = report.Results.Select(r => r.Workload).Distinct().ToList();
        int slot = threads.Count + 1;    // bars per workload plus a gap

        var plot = new Plot();
        var bars = new List<Bar>();
        double lowest = 0, highest = 0;
        foreach (var r in report.Results)
        {
            if (r.Ratio is not { } ratio || ratio <= 0 || !double.IsFinite(ratio)) continue;
            double value = Math.Log10(ratio);
            lowest = Math.Min(lowest, value);
            highest = Math.Max(highest, value);
            int t = threads.IndexOf(r.Threads);
            bars.Add(new Bar
            {
                Position = workloads.IndexOf(r.Workload) * slot + t,
                Value = value,
                ValueBase = 0,
                FillColor = ThreadColors[t % ThreadColors.Length],
                LineWidth = 0,
            });
        }
        plot.Add.Bars(bars);
        plot.Add.HorizontalLine(0, 1.5f, Colors.Black, LinePattern.Dashed);

        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int w = 0; w < workloads.Count; w++) xTicks.AddMajor(w * slot + (threads.Count - 1) / 2.0, workloads[w]);
        plot.Axes.Bottom.TickGenerator = xTicks;
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 170;

        // Log scale by hand: bars hold log10(ratio), ticks are labelled with the ratio itself.
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double r in new[] { 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1, 1.5, 2, 3, 5, 10 })
            if (Math.Log10(r) >= lowest - 0.5 && Math.Log10(r) <= highest + 0.5)
                yTicks.AddMajor(Math.Log10(r), r.ToString("G", CultureInfo.InvariantCulture));
        plot.Axes.Left.TickGenerator = yTicks;
        plot.Axes.SetLimitsY(Math.Min(lowest, -0.1) - 0.1, Math.Max(highest, 0.1) + 0.1);
        plot.Axes.SetLimitsX(-1, workloads.Count * slot - 1);

        for (int t = 0; t < threads.Count; t++)
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"{threads[t]} thread{(threads[t] == 1 ? "" : "s")}",
                FillColor = ThreadColors[t % ThreadColors.Length],
            });
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title($"ONNX Runtime / Strata median latency — {report.Host}, {report.Started.UtcDateTime:yyyy-MM-dd}");
        plot.YLabel("ratio (log scale; > 1: Strata faster)");
        plot.SavePng(path, Math.Max(900, 60 * workloads.Count + 200), 640);
    }
}
