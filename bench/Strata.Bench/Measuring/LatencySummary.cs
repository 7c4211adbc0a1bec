namespace Strata.Bench.Measuring;

/// <summary>Latencies of the timed runs of one engine on one workload: median, 10th and 90th percentiles (linear
/// interpolation between order statistics), in seconds.</summary>
public sealed record LatencySummary(int Runs, double Median, double P10, double P90, double Total)
{
    public static LatencySummary Of(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0) throw new ArgumentException("no runs to summarise", nameof(seconds));
        var sorted = seconds.Order().ToArray();
        return new LatencySummary(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.1), Percentile(sorted, 0.9), sorted.Sum());
    }

    /// <summary>The <paramref name="q"/>-quantile of sorted values.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }
}
