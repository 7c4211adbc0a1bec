using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Strata.Core;

/// <summary>Micro-benchmarks for a <see cref="Target"/>'s roofline: the fp32 FMA peak of one core and the memory read
/// bandwidth. Both take the best of several timed repetitions, since a shared machine only ever slows a run down.</summary>
public static class TargetMeasurement
{
    /// <summary>Bytes read by <see cref="MeasureBandwidthGBs"/> by default: far beyond any last-level cache.</summary>
    public const long DefaultBandwidthBytes = 256L << 20;

    /// <summary>fp32 GFLOP/s of one core running independent FMA chains in the widest accelerated vectors (2 flops per
    /// lane per FMA). Runs for about <paramref name="budget"/> (default 150 ms) and keeps the best of its repetitions.</summary>
    public static double MeasurePeakGflops(TimeSpan? budget = null)
    {
        var total = budget ?? TimeSpan.FromMilliseconds(150);
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count
            : Vector256.IsHardwareAccelerated ? Vector256<float>.Count
            : Vector128.IsHardwareAccelerated ? Vector128<float>.Count : 1;
        var kernel = MeasurementKernels.FmaChains(lanes);
        // Calibrate: grow the iteration count until one repetition takes about a tenth of the budget.
        long iterations = 1 << 12;
        var sw = Stopwatch.StartNew();
        kernel(iterations);
        while (sw.Elapsed < total / 10)
        {
            iterations *= 2;
            sw.Restart();
            kernel(iterations);
        }
        double best = 0;
        var overall = Stopwatch.StartNew();
        float sink = 0;
        do
        {
            sw.Restart();
            sink += kernel(iterations);
            double seconds = sw.Elapsed.TotalSeconds;
            best = Math.Max(best, iterations * (double)MeasurementKernels.Accumulators * lanes * 2 / seconds / 1e9);
        }
        while (overall.Elapsed < total);
        GC.KeepAlive(sink);
        return best;
    }

    /// <summary>Memory read bandwidth in GB/s (1e9 bytes): a vector sum over <paramref name="bytes"/> of floats, best of
    /// <paramref name="repeats"/> passes (the array is written once first so every page is mapped).</summary>
    public static double MeasureBandwidthGBs(long bytes = DefaultBandwidthBytes, int repeats = 3)
    {
        if (bytes < 1024 || repeats < 1)
            throw new StrataException(ErrorCode.InvalidArgument, $"bandwidth measurement needs at least 1 KiB and one pass (got {bytes} bytes, {repeats} passes)", "use the defaults");
        // Pinned, so the kernel reads it through a pointer; a multiple of 32 floats (the kernel's step).
        var data = GC.AllocateUninitializedArray<float>(checked((int)(bytes / sizeof(float) / 32 * 32)), pinned: true);
        data.AsSpan().Fill(1f);
        var sum = MeasurementKernels.Sum;
        double best = 0;
        var sw = new Stopwatch();
        for (int r = 0; r < repeats; r++)
        {
            sw.Restart();
            float s;
            unsafe
            {
                fixed (float* p = data) s = sum(p, data.Length);
            }
            double seconds = sw.Elapsed.TotalSeconds;
            // The array holds ones, so the sum is its length (up to float rounding of the final adds).
            if (Math.Abs(s - (double)data.Length) > data.Length * 1e-6)
                throw new StrataException(ErrorCode.EvaluationFailed, $"the bandwidth kernel summed {data.Length} ones to {s}", "this is a bug in the measurement kernel");
            best = Math.Max(best, data.Length * (double)sizeof(float) / seconds / 1e9);
        }
        return best;
    }
}
