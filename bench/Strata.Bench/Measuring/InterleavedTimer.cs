using System.Diagnostics;

namespace Strata.Bench.Measuring;

/// <summary>Times two engines on the same workload in one process: both warm up, then timed runs alternate A B A B …
/// so that drift (frequency, other load on the machine, the heap) hits both alike.</summary>
public static class InterleavedTimer
{
    public static (LatencySummary A, LatencySummary B) Time(Action a, Action b, TimingPolicy policy)
    {
        WarmUp(a, policy);
        WarmUp(b, policy);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var timesA = new List<double>();
        var timesB = new List<double>();
        double totalA = 0, totalB = 0;
        while (timesA.Count < policy.MinRuns || (Math.Max(totalA, totalB) < policy.SecondsPerEngine && timesA.Count < policy.MaxRuns))
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
    public static LatencySummary TimeAlone(Action a, TimingPolicy policy)
    {
        WarmUp(a, policy);
        var times = new List<double>();
        double total = 0;
        while (times.Count < policy.MinRuns || (total < policy.SecondsPerEngine && times.Count < policy.MaxRuns))
        {
            double t = Once(a);
            times.Add(t);
            total += t;
        }
        return LatencySummary.Of(times);
    }

    private static void WarmUp(Action run, TimingPolicy policy)
    {
        long start = Stopwatch.GetTimestamp();
        int runs = 0;
        while (runs < policy.MinWarmupRuns || Stopwatch.GetElapsedTime(start).TotalSeconds < policy.WarmupSeconds)
        {
            run();
            runs++;
        }
    }

    private static double Once(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
