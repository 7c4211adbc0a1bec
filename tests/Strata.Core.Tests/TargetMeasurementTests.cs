using Strata.Core;

namespace Strata.Core.Tests;

public sealed class TargetMeasurementTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-target-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("48K", 48L << 10)]
    [InlineData("1024K", 1L << 20)]
    [InlineData("32M", 32L << 20)]
    [InlineData("512", 512L)]
    [InlineData("", null)]
    [InlineData("x K", null)]
    public void ParseSize_ReadsSysfsSizes(string text, long? expected) => Assert.Equal(expected, CpuInfo.ParseSize(text));

    [Fact]
    public void CacheSizes_SkipsInstructionCaches_AndReadsEachLevel()
    {
        void Index(int i, string level, string type, string size)
        {
            var d = Directory.CreateDirectory(Path.Combine(_dir.FullName, $"index{i}")).FullName;
            File.WriteAllText(Path.Combine(d, "level"), level + "\n");
            File.WriteAllText(Path.Combine(d, "type"), type + "\n");
            File.WriteAllText(Path.Combine(d, "size"), size + "\n");
        }
        Index(0, "1", "Data", "32K");
        Index(1, "1", "Instruction", "64K");
        Index(2, "2", "Unified", "2048K");
        Index(3, "3", "Unified", "16M");
        Assert.Equal((32L << 10, 2L << 20, 16L << 20), CpuInfo.CacheSizes(_dir.FullName));
        Assert.Equal((null, null, null), CpuInfo.CacheSizes(Path.Combine(_dir.FullName, "absent")));
    }

    [Fact]
    public void Cache_StoresPerKey_AndKeepsOtherMachines()
    {
        var cache = new TargetCache(Path.Combine(_dir.FullName, "strata"));
        Assert.Null(cache.Lookup("cpu|avx2|4"));
        cache.Store("cpu|avx2|4", 100.5, 20.25, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        cache.Store("other|avx512|8", 300, 50, DateTimeOffset.UnixEpoch);
        Assert.Equal((100.5, 20.25, "2026-01-02T03:04:05Z"), cache.Lookup("cpu|avx2|4"));
        Assert.Equal(300, cache.Lookup("other|avx512|8")!.Value.PeakGflops);
    }

    [Fact]
    public void Cache_IgnoresACorruptFile()
    {
        var cache = new TargetCache(_dir.FullName);
        File.WriteAllText(cache.FilePath, "{ not json");
        Assert.Null(cache.Lookup("anything"));
        cache.Store("k", 1, 2, DateTimeOffset.UnixEpoch);
        Assert.Equal(1, cache.Lookup("k")!.Value.PeakGflops);
    }

    [Fact]
    public void Key_NamesCpuIsaAndCores() =>
        Assert.Equal("AMD EPYC|avx2|4", TargetCache.Key("AMD EPYC", Target.X86Avx2 with { Cores = 4 }));

    [Fact]
    public void DetectHost_TakesTheCachedNumbers_ForThisMachine()
    {
        var cache = new TargetCache(_dir.FullName);
        Assert.Equal(0, TargetProbe.DetectHost(cache).PeakGflops);
        cache.Store(TargetCache.Key(CpuInfo.ModelName(), TargetProbe.DetectUnmeasured()), 123, 45, DateTimeOffset.UnixEpoch);
        var host = TargetProbe.DetectHost(cache);
        Assert.Equal((123.0, 45.0), (host.PeakGflops, host.BandwidthGBs));
    }

    [Fact]
    public void Measurements_ArePlausible()
    {
        // Bounds wide enough for any machine this runs on, tight enough to catch a broken kernel: a 1 GHz core without
        // vectors does 2 GFLOP/s with FMA; nothing does 10 TFLOP/s on one core. The sum must read real memory.
        double peak = TargetMeasurement.MeasurePeakGflops(TimeSpan.FromMilliseconds(30));
        Assert.InRange(peak, 0.5, 10_000);
        double bandwidth = TargetMeasurement.MeasureBandwidthGBs(16L << 20, repeats: 2);
        Assert.InRange(bandwidth, 0.1, 10_000);
        Assert.Throws<StrataException>(() => TargetMeasurement.MeasureBandwidthGBs(10));
    }
}
