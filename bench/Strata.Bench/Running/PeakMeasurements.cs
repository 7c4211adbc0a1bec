namespace Strata.Bench.Running;

/// <summary>FMA peaks (GFLOP/s) per thread count measured at the start and at the end of the benchmark. The fraction
/// of peak in the report divides by the larger of the two, the conservative choice (a throttled start or end only
/// makes the fraction smaller).</summary>
public sealed record PeakMeasurements(IReadOnlyDictionary<int, double> Start, IReadOnlyDictionary<int, double> End)
{
    public double? Peak(int threads)
    {
        bool s = Start.TryGetValue(threads, out var a), e = End.TryGetValue(threads, out var b);
        return s || e ? Math.Max(s ? a : 0, e ? b : 0) : null;
    }
}
