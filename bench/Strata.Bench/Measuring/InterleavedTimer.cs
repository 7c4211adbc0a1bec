using System.Diagnostics;

namespace Strata.Bench.Measuring;

/// <summary>Times two engines on the same workload in one process: both warm up, then timed runs alternate A B A B …
/// so that drift (frequency, other load on the machine, the heap) hits both alike. By default each run starts as the
/// other engine's returns. <c>--gap-us</c> puts an untimed busy gap on the calling thread before every timed run, a
/// diagnostic of how much a 2-thread row owes to the moment the other engine's workers parked: Strata parks its workers
/// as its run returns, ORT's run returns through its C API and C# wrapper after its workers parked — likely why, back
/// to back, ORT finds a core that has not yet gone idle and Strata one that has. MatMul 256³ at 2 threads, ORT:
/// 163.9–166.7 µs right after Strata's run, 173.1–173.3 µs after a 20 or 100 µs gap; Strata: 169.7–175.3 µs right
/// after ORT's, 167.8–168.6 µs after the gap. In two full runs with a 100 µs gap MatMul 256³ at 2 threads came out at
/// 1.08 and 1.02 (0.95 back to back) and Softmax at 1.38 and 1.36 (1.16), but MatMul 1×768·768×768 at 1 thread at 0.89
/// and 0.93 (1.05): Strata's 28.6 µs became 33.5–36.1 µs, ORT's 30.1 µs 31.2–32.2 µs, with no worker involved — the gap
/// changes more than the wake, so the default stays back to back.</summary>
public static class InterleavedTimer
{
    /// <param name="warmA">Whether A still needs a warm-up (false when its opening run was slow).</param>
    /// <param name="blocked">Time all of A's runs, then all of B's, instead of alternating: a diagnostic for
    /// interference between the engines (one engine's worker threads still spinning while the other runs).</param>
    /// <param name="gapSeconds">The untimed busy gap before each timed run in the alternating order (0: none).</param>
    public static (LatencySummary A, LatencySummary B) Time(Action a, Action b, TimingPolicy policy, bool warmA = true, bool warmB = true,
        bool blocked = false, double gapSeconds = 0)
    {
        if (blocked) return (TimeAlone(a, policy, warmA), TimeAlone(b, policy, warmB));
        if (warmA) WarmUp(a, policy);
        if (warmB) WarmUp(b, policy);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var timesA = new List<double>();
        var timesB = new List<double>();
        double totalA = 0, totalB = 0;
        while (!Done(timesA.Count, totalA, totalB, policy))
        {
            Busy(gapSeconds);
            double ta = Once(a);
            Busy(gapSeconds);
            double tb = Once(b);
            timesA.Add(ta);
            timesB.Add(tb);
            totalA += ta;
            totalB += tb;
        }
        return (LatencySummary.Of(timesA), LatencySummary.Of(timesB));
    }

    /// <summary>One engine alone (when the other could not run the workload).</summary>
    public static LatencySummary TimeAlone(Action a, TimingPolicy policy, bool warm = true)
    {
        if (warm) WarmUp(a, policy);
        var times = new List<double>();
        double total = 0;
        while (!Done(times.Count, total, 0, policy))
        {
            double t = Once(a);
            times.Add(t);
            total += t;
        }
        return LatencySummary.Of(times);
    }

    private static bool Done(int pairs, double totalA, double totalB, TimingPolicy policy)
    {
        if (pairs == 0) return false;
        if (pairs >= policy.MaxRuns || totalA + totalB >= policy.CellSeconds) return true;
        return pairs >= policy.MinRuns && Math.Max(totalA, totalB) >= policy.SecondsPerEngine;
    }

    private static void WarmUp(Action run, TimingPolicy policy)
    {
        long start = Stopwatch.GetTimestamp();
        int runs = 0;
        while (runs < policy.MinWarmupRuns || Stopwatch.GetElapsedTime(start).TotalSeconds < policy.WarmupSeconds)
        {
            run();
            runs++;
            if (Stopwatch.GetElapsedTime(start).TotalSeconds >= policy.SlowRunSeconds) break;
        }
    }

    /// <summary>Keeps the calling thread busy (no sleep: the caller's own core stays awake, as between the runs of an
    /// application doing other work).</summary>
    private static void Busy(double seconds)
    {
        if (seconds <= 0) return;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end) { }
    }

    private static double Once(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
