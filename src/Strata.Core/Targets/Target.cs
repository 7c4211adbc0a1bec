using System.Globalization;

namespace Strata.Core;

/// <summary>The instruction set a <see cref="Target"/> compiles for (its vector registers).</summary>
public enum Isa
{
    /// <summary>No vector registers: every value is a scalar.</summary>
    Scalar,
    /// <summary>128-bit vectors (SSE4/NEON-class: <c>Vector128</c>).</summary>
    V128,
    /// <summary>x86-64 AVX2 (+FMA): 256-bit vectors, 16 vector registers.</summary>
    Avx2,
    /// <summary>x86-64 AVX-512F: 512-bit vectors, 32 vector registers.</summary>
    Avx512,
}

/// <summary>A machine that kernels are compiled for: ISA and vector width, FMA, cores, caches, and the measured
/// fp32 FMA peak and memory bandwidth (0 where not measured). Named targets (<see cref="Known"/>) let a kernel be
/// lowered and emulated for a machine this one is not; <see cref="TargetCatalog.Host"/> describes this machine.</summary>
/// <param name="Name">Stable name used in text forms, workload keys and the kernel library (<c>x86-64-avx2</c>).</param>
/// <param name="VectorBits">Width of a vector register in bits (0 for <see cref="Isa.Scalar"/>).</param>
/// <param name="VectorRegisters">How many vector registers the ISA has (for register blocking).</param>
/// <param name="HasFma">Fused multiply-add on vectors.</param>
/// <param name="Cores">Cores kernels may use.</param>
/// <param name="L1Bytes">Per-core L1 data cache.</param>
/// <param name="L2Bytes">Per-core L2 cache.</param>
/// <param name="L3Bytes">Shared last-level cache.</param>
/// <param name="PeakGflops">Measured fp32 FMA peak of one core, GFLOP/s (0: not measured).</param>
/// <param name="BandwidthGBs">Measured memory read bandwidth, GB/s (0: not measured).</param>
/// <param name="DoublePumped">A full-width vector FMA issues as two half-width ones (Zen 4's AVX-512): full-width
/// vectors have no more FMA throughput than half-width ones, so narrower vectors lose nothing where they waste fewer
/// lanes. Named by a <c>-dp</c> suffix (<see cref="WithDoublePumped"/>), so that kernels compiled for such a machine are
/// keyed apart from those for a full-width one.</param>
public sealed record Target(
    string Name,
    Isa Isa,
    int VectorBits,
    int VectorRegisters,
    bool HasFma,
    int Cores,
    long L1Bytes,
    long L2Bytes,
    long L3Bytes,
    double PeakGflops = 0,
    double BandwidthGBs = 0,
    bool DoublePumped = false)
{
    /// <summary>Lanes of a vector of <paramref name="element"/> (1 on a scalar target, or for element types that are
    /// not vectorised: only 4- and 8-byte numeric types are).</summary>
    public int Lanes(DataType element)
    {
        if (Isa == Isa.Scalar || VectorBits == 0) return 1;
        int bytes = element switch
        {
            DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
            DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
            _ => 0,
        };
        return bytes == 0 ? 1 : VectorBits / (8 * bytes);
    }

    public override string ToString() => Name;

    public static readonly Target X86Avx512 = new("x86-64-avx512", Isa.Avx512, 512, 32, true, 1, 48 << 10, 2 << 20, 32 << 20);
    public static readonly Target X86Avx2 = new("x86-64-avx2", Isa.Avx2, 256, 16, true, 1, 32 << 10, 512 << 10, 32 << 20);
    public static readonly Target GenericV128 = new("generic-v128", Isa.V128, 128, 16, false, 1, 32 << 10, 512 << 10, 8 << 20);
    public static readonly Target ScalarTarget = new("scalar", Isa.Scalar, 0, 0, false, 1, 32 << 10, 512 << 10, 8 << 20);

    /// <summary>The named targets kernels can be compiled and emulated for.</summary>
    public static IReadOnlyList<Target> Known { get; } = [X86Avx512, X86Avx2, GenericV128, ScalarTarget];

    /// <summary>This target on a machine whose full-width FMAs are double-pumped (<see cref="DoublePumped"/>), named
    /// <c>NAME-dp</c>, which <see cref="Find"/> reads back.</summary>
    public Target WithDoublePumped() => DoublePumped ? this
        : VectorBits < 256 ? throw new ArgumentException($"{Name} has no half-width vectors to pump its FMAs through")
        : this with { Name = $"{Name}-dp", DoublePumped = true };

    /// <summary>This target with vectors of <paramref name="bits"/> (narrower than its own), its ISA and registers kept:
    /// one kernel lowered so (Machine's NarrowVectors) names it <c>NAME-vBITS</c>, which <see cref="Find"/> reads back.</summary>
    public Target WithVectorBits(int bits) => this with { Name = $"{Name}-v{bits}", VectorBits = bits };

    /// <summary>A known target by name, or one of them double-pumped (<c>NAME-dp</c>, <see cref="WithDoublePumped"/>)
    /// and/or with narrowed vectors (<c>NAME[-dp]-vBITS</c>, <see cref="WithVectorBits"/>); null if none.</summary>
    public static Target? Find(string name)
    {
        if (Known.FirstOrDefault(t => t.Name == name) is { } known) return known;
        string rest = name;
        int bits = 0;
        int dash = rest.LastIndexOf("-v", StringComparison.Ordinal);
        if (dash > 0 && int.TryParse(rest.AsSpan(dash + 2), NumberStyles.None, CultureInfo.InvariantCulture, out bits)) rest = rest[..dash];
        bool pumped = rest.EndsWith("-dp", StringComparison.Ordinal);
        if (pumped) rest = rest[..^3];
        if (Known.FirstOrDefault(t => t.Name == rest) is not { } t) return null;
        if (pumped)
        {
            if (t.VectorBits < 256) return null;
            t = t.WithDoublePumped();
        }
        if (bits == 0) return t;
        return bits is 128 or 256 && bits < t.VectorBits ? t.WithVectorBits(bits) : null;
    }

    /// <summary>A named target (<c>host</c> is this machine), or a clear error listing the names.</summary>
    public static Target Get(string name) =>
        name == "host" ? TargetCatalog.Host
        : Find(name) ?? throw new StrataException(ErrorCode.InvalidArgument,
            $"unknown target '{name}'", $"targets are: host, {string.Join(", ", Known.Select(t => t.Name))} (NAME-dp: with double-pumped full-width FMAs)");
}
