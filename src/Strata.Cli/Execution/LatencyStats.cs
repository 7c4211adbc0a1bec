namespace Strata.Cli.Execution;

/// <summary>Latency statistics of timed runs (milliseconds): the median is the headline (robust to a noisy
/// neighbour), p10/p90 the spread. Percentiles interpolate linearly between order statistics (numpy's default).</summary>
public sealed record LatencyStats(IReadOnlyList<double> Times, double Median, double P10, double P90, double Min, double Max, double RunsPerSecond)
{
    public int Runs => Times.Count;

    public static LatencyStats Of(IReadOnlyList<double> times)
    {
        if (times.Count == 0) throw new ArgumentException("no timed runs", nameof(times));
        var sorted = times.Order().ToArray();
        double total = times.Sum();
        return new LatencyStats(times, Percentile(sorted, 50), Percentile(sorted, 10), Percentile(sorted, 90), sorted[0], sorted[^1],
            total > 0 ? times.Count * 1000.0 / total : double.PositiveInfinity);
    }

    /// <summary>The <paramref name="p"/>-th percentile of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        double rank = p / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
