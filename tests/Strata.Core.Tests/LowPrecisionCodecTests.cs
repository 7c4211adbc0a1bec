using CsCheck;
using Strata.Core;

namespace Strata.Core.Tests;

public class LowPrecisionCodecTests
{
    /// <summary>One 8-bit (or 4-bit) float format under test: decode, encode, and its facts.</summary>
    public sealed record Format(string Name, int Count, Func<byte, float> Decode, Func<double, bool, byte> Encode,
        bool NegativeZero, bool HasInfinity, int MantissaBits)
    {
        public override string ToString() => Name;
    }

    private static readonly Format[] Formats =
    [
        new("e4m3fn", 256, LowPrecisionCodec.DecodeE4M3FN, LowPrecisionCodec.EncodeE4M3FN, true, false, 3),
        new("e4m3fnuz", 256, LowPrecisionCodec.DecodeE4M3FNUZ, LowPrecisionCodec.EncodeE4M3FNUZ, false, false, 3),
        new("e5m2", 256, LowPrecisionCodec.DecodeE5M2, LowPrecisionCodec.EncodeE5M2, true, true, 2),
        new("e5m2fnuz", 256, LowPrecisionCodec.DecodeE5M2FNUZ, LowPrecisionCodec.EncodeE5M2FNUZ, false, false, 2),
        new("e2m1", 16, LowPrecisionCodec.DecodeE2M1, (x, _) => LowPrecisionCodec.EncodeE2M1(x), true, false, 1),
    ];

    public static TheoryData<string> FormatNames() => new(Formats.Select(f => f.Name));
    private static Format Get(string name) => Formats.Single(f => f.Name == name);

    [Theory]
    [MemberData(nameof(FormatNames))]
    public void DecodeThenEncodeIsIdentityForEveryNonNaNPattern(string name)
    {
        var f = Get(name);
        for (int b = 0; b < f.Count; b++)
        {
            float v = f.Decode((byte)b);
            if (float.IsNaN(v)) continue;
            if (!float.IsInfinity(v)) Assert.Equal(b, f.Encode(v, true));
            Assert.Equal(b, f.Encode(v, false));
        }
    }

    [Fact]
    public void KnownValues()
    {
        Assert.Equal(448f, LowPrecisionCodec.DecodeE4M3FN(0x7E));
        Assert.Equal(-448f, LowPrecisionCodec.DecodeE4M3FN(0xFE));
        Assert.Equal(1f, LowPrecisionCodec.DecodeE4M3FN(0x38));
        Assert.Equal(MathF.ScaleB(1, -9), LowPrecisionCodec.DecodeE4M3FN(0x01));
        Assert.Equal(MathF.ScaleB(1, -6), LowPrecisionCodec.DecodeE4M3FN(0x08));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE4M3FN(0x7F)));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE4M3FN(0xFF)));
        Assert.True(float.IsNegative(LowPrecisionCodec.DecodeE4M3FN(0x80)));

        Assert.Equal(240f, LowPrecisionCodec.DecodeE4M3FNUZ(0x7F));
        Assert.Equal(1f, LowPrecisionCodec.DecodeE4M3FNUZ(0x40));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE4M3FNUZ(0x80)));

        Assert.Equal(57344f, LowPrecisionCodec.DecodeE5M2(0x7B));
        Assert.Equal(1f, LowPrecisionCodec.DecodeE5M2(0x3C));
        Assert.Equal(MathF.ScaleB(1, -16), LowPrecisionCodec.DecodeE5M2(0x01));
        Assert.Equal(float.PositiveInfinity, LowPrecisionCodec.DecodeE5M2(0x7C));
        Assert.Equal(float.NegativeInfinity, LowPrecisionCodec.DecodeE5M2(0xFC));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE5M2(0x7D)));

        Assert.Equal(57344f, LowPrecisionCodec.DecodeE5M2FNUZ(0x7F));
        Assert.Equal(MathF.ScaleB(1, -17), LowPrecisionCodec.DecodeE5M2FNUZ(0x01));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE5M2FNUZ(0x80)));

        Assert.Equal(1f, LowPrecisionCodec.DecodeE8M0(0x7F));
        Assert.Equal(MathF.ScaleB(1, -127), LowPrecisionCodec.DecodeE8M0(0x00));
        Assert.Equal(MathF.ScaleB(1, 127), LowPrecisionCodec.DecodeE8M0(0xFE));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE8M0(0xFF)));

        float[] e2m1 = [0, 0.5f, 1, 1.5f, 2, 3, 4, 6];
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(e2m1[i], LowPrecisionCodec.DecodeE2M1((byte)i));
            Assert.Equal(-e2m1[i], LowPrecisionCodec.DecodeE2M1((byte)(i | 8)));
        }
    }

    [Fact]
    public void SaturationFollowsTheCastTables()
    {
        // saturate = 1: infinities and overflow clamp to the largest finite value.
        Assert.Equal(0x7E, LowPrecisionCodec.EncodeE4M3FN(double.PositiveInfinity));
        Assert.Equal(0xFE, LowPrecisionCodec.EncodeE4M3FN(-1e6));
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE4M3FNUZ(1e6));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE4M3FNUZ(double.NegativeInfinity));
        Assert.Equal(0x7B, LowPrecisionCodec.EncodeE5M2(double.PositiveInfinity));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE5M2FNUZ(-1e6));
        // saturate = 0.
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE4M3FN(double.PositiveInfinity, false));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE4M3FN(-1e6, false));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE4M3FNUZ(1e6, false));
        Assert.Equal(0x7C, LowPrecisionCodec.EncodeE5M2(double.PositiveInfinity, false));
        Assert.Equal(0xFC, LowPrecisionCodec.EncodeE5M2(-1e6, false));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE5M2FNUZ(double.NegativeInfinity, false));
        // Just above the max rounds back down to it; at the tie with the next step it overflows or not by evenness.
        Assert.Equal(0x7E, LowPrecisionCodec.EncodeE4M3FN(464, false)); // tie: 448 (0x7E, even) wins
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE4M3FN(465, false));
        Assert.Equal(0x7C, LowPrecisionCodec.EncodeE5M2(61440, false)); // tie: 65536 (even) wins -> inf
        // NaN and signed zero.
        // double.NaN has its sign bit set in .NET; the sign of a NaN is kept where the format has signed NaNs.
        double positiveNaN = BitConverter.Int64BitsToDouble(0x7FF8000000000000);
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE4M3FN(positiveNaN));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE4M3FN(-positiveNaN));
        Assert.Equal(0x7E, LowPrecisionCodec.EncodeE5M2(positiveNaN));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE4M3FNUZ(double.NaN));
        Assert.True(float.IsNaN(LowPrecisionCodec.DecodeE5M2(LowPrecisionCodec.EncodeE5M2(double.NaN))));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE4M3FN(-0.0));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE5M2(-1e-30));
        Assert.Equal(0x00, LowPrecisionCodec.EncodeE4M3FNUZ(-0.0));
        Assert.Equal(0x00, LowPrecisionCodec.EncodeE5M2FNUZ(-1e-30));
    }

    [Fact]
    public void Float4AlwaysSaturatesAndRoundsToEven()
    {
        Assert.Equal(0x0, LowPrecisionCodec.EncodeE2M1(0.25)); // tie 0 / 0.5 -> 0
        Assert.Equal(0x2, LowPrecisionCodec.EncodeE2M1(0.75)); // tie 0.5 / 1 -> 1
        Assert.Equal(0x6, LowPrecisionCodec.EncodeE2M1(5)); // tie 4 / 6 -> 4
        Assert.Equal(0xE, LowPrecisionCodec.EncodeE2M1(-3.5)); // tie 3 / 4 -> 4
        Assert.Equal(0x7, LowPrecisionCodec.EncodeE2M1(1e6));
        Assert.Equal(0xF, LowPrecisionCodec.EncodeE2M1(double.NegativeInfinity));
        Assert.Equal(0x8, LowPrecisionCodec.EncodeE2M1(-0.0));
        Assert.Equal(0x8, LowPrecisionCodec.EncodeE2M1(double.NaN));
    }

    [Fact]
    public void E8M0RoundingModes()
    {
        Assert.Equal(0x00, LowPrecisionCodec.EncodeE8M0(0f));
        Assert.Equal(0x7C, LowPrecisionCodec.EncodeE8M0(0.124f)); // up to 0.125
        Assert.Equal(0x7D, LowPrecisionCodec.EncodeE8M0(0.25f));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE8M0(1.1f));
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE8M0(1.1f, true, E8M0Rounding.Down));
        Assert.Equal(0x7F, LowPrecisionCodec.EncodeE8M0(1.4f, true, E8M0Rounding.Nearest));
        Assert.Equal(0x80, LowPrecisionCodec.EncodeE8M0(1.6f, true, E8M0Rounding.Nearest));
        Assert.Equal(0xFE, LowPrecisionCodec.EncodeE8M0(float.MaxValue));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE8M0(float.MaxValue, false));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE8M0(float.NaN));
        Assert.Equal(0xFF, LowPrecisionCodec.EncodeE8M0(float.PositiveInfinity));
        for (int b = 0; b < 255; b++)
            Assert.Equal(b, LowPrecisionCodec.EncodeE8M0(LowPrecisionCodec.DecodeE8M0((byte)b), true, E8M0Rounding.Nearest));
    }

    /// <summary>Independent oracle: the nearest value among all decoded patterns (ties to the even pattern), with
    /// clamping first when saturating, and a virtual "next" pattern above the maximum that means overflow.</summary>
    private static (byte Bits, bool Overflow) BruteForce(Format f, double x, bool saturate)
    {
        double max = Enumerable.Range(0, f.Count).Select(b => (double)f.Decode((byte)b)).Where(double.IsFinite).Max();
        if (saturate || f.Name == "e2m1") x = Math.Clamp(x, -max, max);
        double ulpAtMax = Math.ScaleB(1.0, Math.ILogB(max) - f.MantissaBits);
        double bestDist = double.PositiveInfinity;
        int best = -1;
        bool overflow = false;
        void Consider(double v, int bits, bool isOverflow)
        {
            double d = Math.Abs(x - v);
            if (d < bestDist || d == bestDist && (bits & 1) == 0)
            {
                bestDist = d; best = bits; overflow = isOverflow;
            }
        }
        for (int b = 0; b < f.Count; b++)
        {
            double v = f.Decode((byte)b);
            if (!double.IsFinite(v)) continue;
            if (v == 0 && double.IsNegative(x) != double.IsNegative(v) && f.NegativeZero) continue;
            Consider(v, b, false);
        }
        int maxBits = Enumerable.Range(0, f.Count).First(b => f.Decode((byte)b) == max);
        Consider(max + ulpAtMax, maxBits + 1, true);
        Consider(-(max + ulpAtMax), maxBits + 1, true);
        return ((byte)best, overflow);
    }

    [Theory]
    [MemberData(nameof(FormatNames))]
    public void EncodeMatchesBruteForceNearest(string name)
    {
        var f = Get(name);
        // Magnitudes spread over every binade of the format and beyond its range, both signs.
        var gen = Gen.Double[-2, 2].Select(Gen.Int[-20, 17], Gen.Bool, (m, e, s) => (X: Math.ScaleB(m, e), Saturate: s));
        gen.Sample(t =>
        {
            var (x, saturate) = t;
            var (bits, overflow) = BruteForce(f, x, saturate);
            byte actual = f.Encode(x, saturate);
            if (overflow)
                Assert.True(float.IsNaN(f.Decode(actual)) || float.IsInfinity(f.Decode(actual)), $"{x} -> {actual:X2}");
            else
                Assert.Equal(bits, actual);
        }, iter: 20000);
    }

    [Theory]
    [MemberData(nameof(FormatNames))]
    public void MidpointsRoundToTheEvenPattern(string name)
    {
        var f = Get(name);
        for (int b = 0; b + 1 < f.Count; b++)
        {
            double lo = f.Decode((byte)b), hi = f.Decode((byte)(b + 1));
            if (!double.IsFinite(lo) || !double.IsFinite(hi) || (b + 1) % (f.Count / 2) == 0) continue;
            double mid = (lo + hi) / 2;
            int even = (b & 1) == 0 ? b : b + 1;
            Assert.Equal(even, f.Encode(mid, true));
        }
    }

    [Fact]
    public void Subnormals()
    {
        // Half the smallest subnormal ties to zero; just above it rounds up.
        double tiny = Math.ScaleB(1.0, -9);
        Assert.Equal(0x00, LowPrecisionCodec.EncodeE4M3FN(tiny / 2));
        Assert.Equal(0x01, LowPrecisionCodec.EncodeE4M3FN(tiny / 2 * 1.0001));
        Assert.Equal(0x02, LowPrecisionCodec.EncodeE4M3FN(tiny * 1.5)); // tie 1/2 -> 2
    }

    [Fact]
    public void BFloat16FromDoubleMatchesTheFloatConversion() =>
        Gen.Float.Sample(f =>
        {
            if (float.IsNaN(f)) return;
            Assert.Equal(((BFloat16)f).Bits, LowPrecisionCodec.EncodeBFloat16(f));
        }, iter: 20000);

    [Fact]
    public void NarrowIntegersWrapOrClamp()
    {
        Assert.Equal(7, Int4.Wrap(-9).Value);
        Assert.Equal(-1, Int4.Wrap(15).Value);
        Assert.Equal(-8, Int4.Wrap(-8).Value);
        Assert.Equal(7, UInt4.Wrap(-9).Value);
        Assert.Equal(1, Int2.Wrap(-3).Value);
        Assert.Equal(-2, Int2.Wrap(2).Value);
        Assert.Equal(3, UInt2.Wrap(-1).Value);
        Assert.Equal(-8, Int4.Clamp(-100).Value);
        Assert.Equal(15, UInt4.Clamp(100).Value);
        Assert.Equal(0, UInt2.Clamp(-5).Value);
        Assert.Equal(-2, Int2.FromBits(0b10).Value);
        Assert.Equal(0xF, Int4.Wrap(-1).Bits);
    }
}
