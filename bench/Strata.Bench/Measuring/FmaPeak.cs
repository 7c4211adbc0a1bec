using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Bench.Measuring;

/// <summary>The machine's fp32 FMA peak, measured: every thread runs twelve independent chains of Vector256 FMAs
/// (enough to cover FMA latency × FMA ports on current x86 cores) with data in registers. The benchmark runs it at
/// start and end and divides the workloads' GFLOP/s by it. Best of several ~40 ms trials; with <c>threads</c> &gt; 1
/// the threads start together and the wall time of the slowest counts.</summary>
public static class FmaPeak
{
    private const int Accumulators = 12;
    private const double FlopsPerIteration = Accumulators * 8 * 2;

    /// <summary>Whether Vector256 FMA is available (x86 with FMA); otherwise there is no peak to measure.</summary>
    public static bool IsSupported => Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>Peak GFLOP/s with <paramref name="threads"/> threads, or null when FMA is unavailable.</summary>
    public static double? MeasureGflops(int threads, int trials = 5, double secondsPerTrial = 0.04)
    {
        if (!IsSupported) return null;
        long iterations = Calibrate(secondsPerTrial);
        double best = 0;
        for (int t = 0; t < trials; t++)
        {
            double seconds = threads == 1 ? TimeOne(iterations) : TimeMany(iterations, threads);
            best = Math.Max(best, FlopsPerIteration * iterations * threads / seconds / 1e9);
        }
        return best;
    }

    private static long Calibrate(double secondsPerTrial)
    {
        long iterations = 100_000;
        while (true)
        {
            double seconds = TimeOne(iterations);
            if (seconds > secondsPerTrial / 4) return (long)(iterations * secondsPerTrial / seconds);
            iterations *= 4;
        }
    }

    private static double TimeOne(long iterations)
    {
        long start = Stopwatch.GetTimestamp();
        Sink(Chains(iterations, Vector256.Create(0.999f), Vector256.Create(0.001f)));
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double TimeMany(long iterations, int threads)
    {
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() =>
            {
                ready.SignalAndWait();
                Sink(Chains(iterations, Vector256.Create(0.999f), Vector256.Create(0.001f)));
            }) { IsBackground = true };
            workers[i].Start();
        }
        ready.SignalAndWait();
        long start = Stopwatch.GetTimestamp();
        foreach (var w in workers) w.Join();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static float _sink;

    private static void Sink(Vector256<float> v) => _sink += v.ToScalar();

    // Twelve independent accumulators: each FMA depends only on its own chain, so the core can issue FMAs every
    // cycle on every FMA port. AggressiveOptimization: compiled fully optimised at once (no tier-0 loop).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Chains(long iterations, Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> c0 = b, c1 = b + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector256<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b);
            c1 = Fma.MultiplyAdd(c1, a, b);
            c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b);
            c4 = Fma.MultiplyAdd(c4, a, b);
            c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b);
            c7 = Fma.MultiplyAdd(c7, a, b);
            c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b);
            c10 = Fma.MultiplyAdd(c10, a, b);
            c11 = Fma.MultiplyAdd(c11, a, b);
        }
        return ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
    }
}
