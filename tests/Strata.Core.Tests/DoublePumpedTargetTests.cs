using System.Runtime.Intrinsics.X86;
using Strata.Core;

namespace Strata.Core.Tests;

/// <summary>A target whose full-width FMAs are double-pumped: detected from CPUID's vendor and family (Zen 4 only),
/// named apart (<c>-dp</c>) so that what is keyed by target name tells the two machines apart, and read back by name.</summary>
public sealed class DoublePumpedTargetTests
{
    [Theory]
    [InlineData("AuthenticAMD", 0x19, true, true)]   // Zen 4
    [InlineData("AuthenticAMD", 0x19, false, false)] // Zen 3: no AVX-512
    [InlineData("AuthenticAMD", 0x1A, true, false)]  // Zen 5: full-width 512-bit FMAs
    [InlineData("GenuineIntel", 0x6, true, false)]
    public void OnlyZen4IsDoublePumped(string vendor, int family, bool avx512F, bool expected) =>
        Assert.Equal(expected, TargetProbe.IsDoublePumped(vendor, family, avx512F));

    [Theory]
    [InlineData(0x00A10F11, 0x19)] // EPYC 9004 (Genoa): base 0xF + extended 0xA
    [InlineData(0x00B40F40, 0x1A)] // Zen 5
    [InlineData(0x000806F8, 0x6)]  // Sapphire Rapids: base family 6, extended family ignored
    public void FamilyAddsTheExtendedFamilyToBaseF(int eax, int family) => Assert.Equal(family, TargetProbe.Family(eax));

    [Fact]
    public void TheNameSaysIt_AndParsesBack()
    {
        var dp = Target.X86Avx512.WithDoublePumped();
        Assert.Equal(("x86-64-avx512-dp", true, 512), (dp.Name, dp.DoublePumped, dp.VectorBits));
        Assert.Same(dp, dp.WithDoublePumped());
        Assert.Equal(dp, Target.Get("x86-64-avx512-dp"));
        Assert.Equal(dp.WithVectorBits(256), Target.Get("x86-64-avx512-dp-v256"));
        Assert.True(Target.Get("x86-64-avx512-dp-v256").DoublePumped);
        Assert.False(Target.Get("x86-64-avx512-v256").DoublePumped);
        Assert.Equal(Target.GenericV128, Target.Get("generic-v128"));
        Assert.Null(Target.Find("generic-v128-dp")); // no half-width vectors
        Assert.Null(Target.Find("x86-64-avx512-dp-v512"));
        Assert.Null(Target.Find("x86-64-avx2-dp-dp"));
        Assert.Throws<ArgumentException>(() => Target.ScalarTarget.WithDoublePumped());
    }

    [Fact]
    public void TheHostIsNamedByWhatCpuidSays()
    {
        var host = TargetProbe.DetectUnmeasured();
        Assert.Equal(host.Isa == Isa.Avx512 && TargetProbe.DoublePumpedFma(), host.DoublePumped);
        Assert.Equal(host.DoublePumped, host.Name.EndsWith("-dp", StringComparison.Ordinal));
        if (!X86Base.IsSupported) Assert.False(TargetProbe.DoublePumpedFma());
    }
}
