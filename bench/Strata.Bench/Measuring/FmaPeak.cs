using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Bench.Measuring;

/// <summary>The machine's fp32 FMA peak, measured: every thread runs twelve independent chains of vector FMAs
/// (enough to cover FMA latency × FMA ports on current x86 cores) with data in registers, at one vector width
/// (<see cref="Width.V256"/> or <see cref="Width.V512"/>). The benchmark runs it at start and end and divides the
/// workloads' GFLOP/s by it. Best of several short trials; with <c>threads</c> &gt; 1 the threads start together
/// and the wall time of the slowest counts.</summary>
public static class FmaPeak
{
    public enum Width { V256, V512 }

    private const int Accumulators = 12;

    /// <summary>Whether FMA at this width is available (x86 with FMA, resp. AVX-512F).</summary>
    public static bool IsSupported(Width width) => width == Width.V256
        ? Fma.IsSupported && Vector256.IsHardwareAccelerated
        : Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Peak GFLOP/s with <paramref name="threads"/> threads, or null when the width is unavailable.</summary>
    public static double? MeasureGflops(Width width, int threads, int trials = 40, double secondsPerTrial = 0.005)
    {
        if (!IsSupported(width)) return null;
        double flopsPerIteration = Accumulators * (width == Width.V256 ? 8 : 16) * 2;
        long iterations = Calibrate(width, secondsPerTrial);
        double best = 0;
        for (int t = 0; t < trials; t++)
        {
            double seconds = threads == 1 ? TimeOne(width, iterations) : TimeMany(width, iterations, threads);
            best = Math.Max(best, flopsPerIteration * iterations * threads / seconds / 1e9);
        }
        return best;
    }

    private static long Calibrate(Width width, double secondsPerTrial)
    {
        long iterations = 100_000;
        while (true)
        {
            double seconds = TimeOne(width, iterations);
            if (seconds > secondsPerTrial / 4) return (long)(iterations * secondsPerTrial / seconds);
            iterations *= 4;
        }
    }

    private static double TimeOne(Width width, long iterations)
    {
        long start = Stopwatch.GetTimestamp();
        Chains(width, iterations);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // Each worker stamps its own start and end: the span from the first start to the last end is the wall time. (The
    // main thread cannot time it: it may be descheduled between the barrier and its clock read while the workers run.)
    private static double TimeMany(Width width, long iterations, int threads)
    {
        using var ready = new Barrier(threads);
        var starts = new long[threads];
        var ends = new long[threads];
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int index = i;
            workers[i] = new Thread(() =>
            {
                ready.SignalAndWait();
                starts[index] = Stopwatch.GetTimestamp();
                Chains(width, iterations);
                ends[index] = Stopwatch.GetTimestamp();
            }) { IsBackground = true };
            workers[i].Start();
        }
        foreach (var w in workers) w.Join();
        return Stopwatch.GetElapsedTime(starts.Min(), ends.Max()).TotalSeconds;
    }

    private static float _sink;

    private static void Chains(Width width, long iterations) => _sink += width == Width.V256
        ? Chains256(iterations, Vector256.Create(0.999f), Vector256.Create(0.001f)).ToScalar()
        : Chains512(iterations, Vector512.Create(0.999f), Vector512.Create(0.001f)).ToScalar();

    // Twelve independent accumulators: each FMA depends only on its own chain, so the core can issue FMAs every
    // cycle on every FMA port. AggressiveOptimization: compiled fully optimised at once (no tier-0 loop).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Chains256(long iterations, Vector256<float> a, Vector256<float> b)
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

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Chains512(long iterations, Vector512<float> a, Vector512<float> b)
    {
        Vector512<float> c0 = b, c1 = b + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector512<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, a, b);
            c1 = Avx512F.FusedMultiplyAdd(c1, a, b);
            c2 = Avx512F.FusedMultiplyAdd(c2, a, b);
            c3 = Avx512F.FusedMultiplyAdd(c3, a, b);
            c4 = Avx512F.FusedMultiplyAdd(c4, a, b);
            c5 = Avx512F.FusedMultiplyAdd(c5, a, b);
            c6 = Avx512F.FusedMultiplyAdd(c6, a, b);
            c7 = Avx512F.FusedMultiplyAdd(c7, a, b);
            c8 = Avx512F.FusedMultiplyAdd(c8, a, b);
            c9 = Avx512F.FusedMultiplyAdd(c9, a, b);
            c10 = Avx512F.FusedMultiplyAdd(c10, a, b);
            c11 = Avx512F.FusedMultiplyAdd(c11, a, b);
        }
        return ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
    }
}
