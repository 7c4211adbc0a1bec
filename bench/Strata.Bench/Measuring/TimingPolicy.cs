namespace Strata.Bench.Measuring;

/// <summary>How long to warm up and to time each engine on one workload.
/// Warm-up: each engine runs until it has spent <see cref="WarmupSeconds"/> and made at least
/// <see cref="MinWarmupRuns"/> runs (so tiered JIT and caches settle on fast workloads); an engine whose opening run
/// (compile + first run) took <see cref="SlowRunSeconds"/> or more skips it — that run was its warm-up.
/// Timed: interleaved pairs A B A B … until both engines made <see cref="MinRuns"/> runs and the slower one has spent
/// <see cref="SecondsPerEngine"/>, or <see cref="MaxRuns"/> pairs were made, or the pairs so far took
/// <see cref="CellSeconds"/> together (a very slow engine then gets fewer runs; the report gives the count).</summary>
public sealed record TimingPolicy(
    double WarmupSeconds, int MinWarmupRuns, double SecondsPerEngine, int MinRuns, int MaxRuns, double CellSeconds, double SlowRunSeconds)
{
    /// <summary>The full benchmark: about 0.3 s of warm-up and 1.5 s of timed runs per engine.</summary>
    public static TimingPolicy Full { get; } = new(WarmupSeconds: 0.3, MinWarmupRuns: 2, SecondsPerEngine: 1.5, MinRuns: 7, MaxRuns: 5000,
        CellSeconds: 15, SlowRunSeconds: 2);

    /// <summary><c>--quick</c>: a smoke test of the whole path in seconds; its numbers are rough.</summary>
    public static TimingPolicy Quick { get; } = new(WarmupSeconds: 0.02, MinWarmupRuns: 1, SecondsPerEngine: 0.1, MinRuns: 3, MaxRuns: 200,
        CellSeconds: 2, SlowRunSeconds: 0.5);
}
