using System.Diagnostics;

namespace Strata.Bench.Measuring;

/// <summary>Times two engines on the same workload in one process: both warm up, then timed runs alternate A B A B …
/// so that drift (frequency, other load on the machine, the heap) hits both alike.</summary>
public static class InterleavedTimer
{
    /// <param name="warmA">Whether A still needs a warm-up (false when its opening run was slow).</param>
    /// <param name="blocked">Time all of A's runs, then all of B's, instead of alternating: a diagnostic for
    /// interference between the engines (one engine's worker threads still spinning while the other runs).</param>
    public static (LatencySummary A, LatencySummary B) Time(Action a, Action b, TimingPolicy policy, bool warmA = true, bool warmB = true,
        bool blocked = false)
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
            double ta = Once(a), tb = Once(b);
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

    private static double Once(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
