using Strata.Bench.Measuring;

namespace Strata.Bench.Running;

/// <summary>FMA peaks (GFLOP/s) per vector width and thread count, measured at the start and at the end of the
/// benchmark. <see cref="Peak(int)"/> is the machine's peak at a thread count: the widest vectors it has (Vector512
/// where AVX-512 exists — ONNX Runtime's MLAS uses them, so a Vector256-only peak would put it above 100%), the larger
/// of start and end (a throttled start or end only makes the fraction smaller, never larger).</summary>
public sealed record PeakMeasurements(
    IReadOnlyDictionary<(FmaPeak.Width Width, int Threads), double> Start,
    IReadOnlyDictionary<(FmaPeak.Width Width, int Threads), double> End)
{
    public double? Peak(FmaPeak.Width width, int threads)
    {
        bool s = Start.TryGetValue((width, threads), out var a), e = End.TryGetValue((width, threads), out var b);
        return s || e ? Math.Max(s ? a : 0, e ? b : 0) : null;
    }

    public double? Peak(int threads)
    {
        double? best = null;
        foreach (var w in Enum.GetValues<FmaPeak.Width>())
            if (Peak(w, threads) is { } p) best = Math.Max(best ?? 0, p);
        return best;
    }

    public IEnumerable<(FmaPeak.Width Width, int Threads)> Keys => Start.Keys.Union(End.Keys).Order();

    /// <summary>Many short trials (5 ms, shorter than a scheduler time slice), best of them: on a shared machine a
    /// long trial is almost always interrupted, and the peak is what an uninterrupted core does.</summary>
    public static Dictionary<(FmaPeak.Width, int), double> Measure(IReadOnlyList<int> threadCounts, bool quick)
    {
        var peaks = new Dictionary<(FmaPeak.Width, int), double>();
        foreach (var w in Enum.GetValues<FmaPeak.Width>())
            foreach (int t in threadCounts)
                if (FmaPeak.MeasureGflops(w, t, trials: quick ? 10 : 40, secondsPerTrial: 0.005) is { } g)
                    peaks[(w, t)] = g;
        return peaks;
    }

    public static string Format(IReadOnlyDictionary<(FmaPeak.Width Width, int Threads), double> peaks) =>
        string.Join(", ", peaks.OrderBy(p => p.Key).Select(p => $"{p.Key.Width} {p.Key.Threads}t {p.Value:F1}"));
}
