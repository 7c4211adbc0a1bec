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
        if (t.Isa == Isa.Avx512 && DoublePumpedFma()) t = t.WithDoublePumped();
        return t with
        {
            Cores = cores,
            HasFma = t.Isa is Isa.Avx2 or Isa.Avx512 ? Fma.IsSupported : t.HasFma,
            L1Bytes = l1 ?? t.L1Bytes,
            L2Bytes = l2 ?? t.L2Bytes,
            L3Bytes = l3 ?? t.L3Bytes,
        };
    }

    /// <summary>Whether this CPU's 512-bit FMAs are double-pumped (<see cref="Target.DoublePumped"/>), from CPUID's
    /// vendor and family (<see cref="IsDoublePumped"/>); false where CPUID is not available.</summary>
    public static bool DoublePumpedFma()
    {
        if (!X86Base.IsSupported) return false;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        var (eax, _, _, _) = X86Base.CpuId(1, 0);
        return IsDoublePumped(System.Text.Encoding.ASCII.GetString(vendor), Family(eax), Avx512F.IsSupported);
    }

    /// <summary>AMD family 0x19 with AVX-512F is Zen 4, whose 512-bit FMAs issue as two 256-bit halves (this host
    /// measured 118 GFLOP/s per core at both widths). Zen 5 (family 0x1A) and Intel's server cores execute them at full
    /// width (the previous host: 268 GFLOP/s at 512 bits); Zen 3 (also 0x19) has no AVX-512.</summary>
    public static bool IsDoublePumped(string vendor, int family, bool avx512F) =>
        avx512F && vendor == "AuthenticAMD" && family == 0x19;

    /// <summary>The CPU family from CPUID leaf 1's EAX: the base family, plus the extended family where the base is 0xF.</summary>
    public static int Family(int eax)
    {
        int family = (eax >> 8) & 0xF;
        return family == 0xF ? family + ((eax >> 20) & 0xFF) : family;
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
