using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Core;

/// <summary>Detects this machine's target: the widest vector ISA the JIT accelerates, cores, cache sizes from the OS,
/// and the measured peak and bandwidth from the per-machine <see cref="TargetCache"/> when present.</summary>
public static class TargetProbe
{
    public static Target DetectHost() => DetectHost(TargetCache.Default);

    /// <summary>This machine with the measurements stored in <paramref name="cache"/> (null: none).</summary>
    public static Target DetectHost(TargetCache? cache)
    {
        var t = DetectUnmeasured();
        if (cache?.Lookup(TargetCache.Key(CpuInfo.ModelName(), t)) is { } m)
            t = t with { PeakGflops = m.PeakGflops, BandwidthGBs = m.BandwidthGBs };
        return t;
    }

    /// <summary>ISA, FMA, cores and caches of this machine; peak and bandwidth 0.</summary>
    public static Target DetectUnmeasured()
    {
        int cores = Environment.ProcessorCount;
        Target t = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Target.X86Avx512
            : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Target.X86Avx2
            : Vector128.IsHardwareAccelerated ? Target.GenericV128
            : Target.ScalarTarget;
        var (l1, l2, l3) = CpuInfo.CacheSizes();
        return t with
        {
            Cores = cores,
            HasFma = t.Isa is Isa.Avx2 or Isa.Avx512 ? Fma.IsSupported : t.HasFma,
            L1Bytes = l1 ?? t.L1Bytes,
            L2Bytes = l2 ?? t.L2Bytes,
            L3Bytes = l3 ?? t.L3Bytes,
        };
    }

    /// <summary>Measures this machine (<see cref="TargetMeasurement"/>; about a second) and stores the result in
    /// <paramref name="cache"/>. Returns the measured target.</summary>
    public static Target MeasureHost(TargetCache cache)
    {
        var t = DetectUnmeasured();
        double peak = TargetMeasurement.MeasurePeakGflops();
        double bandwidth = TargetMeasurement.MeasureBandwidthGBs();
        cache.Store(TargetCache.Key(CpuInfo.ModelName(), t), peak, bandwidth, DateTimeOffset.UtcNow);
        return t with { PeakGflops = peak, BandwidthGBs = bandwidth };
    }
}
