namespace Strata.Core;

/// <summary>How Cast rounds to float8 e8m0 (ONNX's <c>round_mode</c>): <c>up</c> rounds any fraction away from zero,
/// <c>down</c> truncates the fraction, <c>nearest</c> rounds to the nearest power of two.</summary>
public enum E8M0Rounding
{
    Up,
    Down,
    Nearest,
}

/// <summary>Exact decoding of the 8- and 4-bit float formats, and encoding with round-to-nearest-even
/// and the ONNX saturation rules.</summary>
/// <remarks>
/// Encoding follows the Cast operator's tables. With <c>saturate</c> (the default), infinities and finite values
/// whose rounded magnitude exceeds the format's largest finite value become that value (with the sign). Without
/// it they become infinity for e5m2 and NaN for the other float8 formats. NaN always encodes as NaN (sign kept
/// where the format has signed NaNs). float4 e2m1 has neither NaN nor infinity: it always saturates and NaN
/// encodes as 0x8 (the pattern the ONNX reference data uses). Encoding from double rounds once, so float,
/// float16 and double sources all get a correctly rounded result.
/// </remarks>
public static class LowPrecisionCodec
{
    private enum Specials
    {
        /// <summary>IEEE-like: the top exponent holds infinity (mantissa 0) and NaNs.</summary>
        Ieee,
        /// <summary>"fn": no infinity; only the all-ones exponent and mantissa is NaN.</summary>
        FiniteAllOnesNaN,
        /// <summary>"fnuz": no infinity, no negative zero; the negative-zero pattern is the only NaN.</summary>
        FiniteNegativeZeroNaN,
        /// <summary>No NaN, no infinity (float4 e2m1).</summary>
        Finite,
    }

    /// <summary>A sign/exponent/mantissa format of at most 16 bits.</summary>
    private sealed class MiniFloat
    {
        public MiniFloat(int exponentBits, int mantissaBits, int bias, Specials specials)
        {
            ExponentBits = exponentBits;
            MantissaBits = mantissaBits;
            Bias = bias;
            Specials = specials;
            SignBit = 1u << (exponentBits + mantissaBits);
            uint expMax = (1u << exponentBits) - 1, manMax = (1u << mantissaBits) - 1;
            MaxFiniteBits = specials switch
            {
                Specials.Ieee => ((expMax - 1) << mantissaBits) | manMax,
                Specials.FiniteAllOnesNaN => (expMax << mantissaBits) | (manMax - 1),
                _ => (expMax << mantissaBits) | manMax,
            };
            MaxFinite = Decode(MaxFiniteBits);
        }

        public int ExponentBits { get; }
        public int MantissaBits { get; }
        public int Bias { get; }
        public Specials Specials { get; }
        public uint SignBit { get; }
        public uint MaxFiniteBits { get; }
        public double MaxFinite { get; }
        private uint ExpMax => (1u << ExponentBits) - 1;
        private uint InfBits => ExpMax << MantissaBits;

        public uint NaN(bool negative) => Specials switch
        {
            Specials.Ieee => (negative ? SignBit : 0) | InfBits | (1u << (MantissaBits - 1)),
            Specials.FiniteAllOnesNaN => (negative ? SignBit : 0) | (SignBit - 1),
            Specials.FiniteNegativeZeroNaN => SignBit,
            _ => SignBit,
        };

        public double Decode(uint bits)
        {
            bool negative = (bits & SignBit) != 0;
            uint exp = (bits >> MantissaBits) & ExpMax;
            uint man = bits & ((1u << MantissaBits) - 1);
            switch (Specials)
            {
                case Specials.Ieee when exp == ExpMax:
                    return man != 0 ? double.NaN : negative ? double.NegativeInfinity : double.PositiveInfinity;
                case Specials.FiniteAllOnesNaN when exp == ExpMax && man == (1u << MantissaBits) - 1:
                    return double.NaN;
                case Specials.FiniteNegativeZeroNaN when bits == SignBit:
                    return double.NaN;
            }
            double magnitude = exp == 0
                ? Math.ScaleB(man, 1 - Bias - MantissaBits)
                : Math.ScaleB((1u << MantissaBits) + man, (int)exp - Bias - MantissaBits);
            return negative ? -magnitude : magnitude;
        }

        public uint Encode(double x, bool saturate)
        {
            bool negative = double.IsNegative(x);
            uint sign = negative ? SignBit : 0;
            if (double.IsNaN(x)) return NaN(negative);
            if (double.IsInfinity(x)) return Overflow(sign, negative, saturate);

            // Round |x| to a multiple of the quantum (the value of one mantissa step) at its binade; below the
            // smallest normal the quantum is the subnormal step. Scaling by a power of two is exact, and rounding
            // a double to an integer is exact, so this is a single correctly rounded step.
            double abs = Math.Abs(x);
            int minNormalExp = 1 - Bias;
            int e = abs >= Math.ScaleB(1.0, minNormalExp) ? Math.ILogB(abs) : minNormalExp;
            double n = Math.Round(Math.ScaleB(abs, MantissaBits - e), MidpointRounding.ToEven);
            if (n == 0)
                return Specials == Specials.FiniteNegativeZeroNaN ? 0 : sign;
            if (Math.ScaleB(n, e - MantissaBits) > MaxFinite)
                return Overflow(sign, negative, saturate || Specials == Specials.Finite);
            uint m = (uint)n;
            if (m == 2u << MantissaBits) { m >>= 1; e++; }
            if (m < 1u << MantissaBits) return sign | m; // subnormal (e is the minimum normal exponent)
            return sign | ((uint)(e + Bias) << MantissaBits) | (m - (1u << MantissaBits));
        }

        private uint Overflow(uint sign, bool negative, bool saturate)
        {
            if (saturate || Specials == Specials.Finite) return sign | MaxFiniteBits;
            return Specials == Specials.Ieee ? sign | InfBits : NaN(negative);
        }
    }

    private static readonly MiniFloat E4M3FN = new(4, 3, 7, Specials.FiniteAllOnesNaN);
    private static readonly MiniFloat E4M3FNUZ = new(4, 3, 8, Specials.FiniteNegativeZeroNaN);
    private static readonly MiniFloat E5M2 = new(5, 2, 15, Specials.Ieee);
    private static readonly MiniFloat E5M2FNUZ = new(5, 2, 16, Specials.FiniteNegativeZeroNaN);
    private static readonly MiniFloat E2M1 = new(2, 1, 1, Specials.Finite);
    private static readonly MiniFloat BF16 = new(8, 7, 127, Specials.Ieee);

    private static readonly float[] E4M3FNTable = BuildTable(E4M3FN, 256);
    private static readonly float[] E4M3FNUZTable = BuildTable(E4M3FNUZ, 256);
    private static readonly float[] E5M2Table = BuildTable(E5M2, 256);
    private static readonly float[] E5M2FNUZTable = BuildTable(E5M2FNUZ, 256);
    private static readonly float[] E2M1Table = BuildTable(E2M1, 16);

    private static float[] BuildTable(MiniFloat format, int count)
    {
        var table = new float[count];
        for (int i = 0; i < count; i++) table[i] = (float)format.Decode((uint)i);
        return table;
    }

    public static float DecodeE4M3FN(byte bits) => E4M3FNTable[bits];
    public static float DecodeE4M3FNUZ(byte bits) => E4M3FNUZTable[bits];
    public static float DecodeE5M2(byte bits) => E5M2Table[bits];
    public static float DecodeE5M2FNUZ(byte bits) => E5M2FNUZTable[bits];

    /// <summary>2^(bits-127); 0xFF is NaN.</summary>
    public static float DecodeE8M0(byte bits) => bits == 0xFF ? float.NaN : (float)Math.ScaleB(1.0, bits - 127);

    /// <summary>Decodes the low nibble of <paramref name="bits"/>.</summary>
    public static float DecodeE2M1(byte bits) => E2M1Table[bits & 0xF];

    public static byte EncodeE4M3FN(double x, bool saturate = true) => (byte)E4M3FN.Encode(x, saturate);
    public static byte EncodeE4M3FNUZ(double x, bool saturate = true) => (byte)E4M3FNUZ.Encode(x, saturate);
    public static byte EncodeE5M2(double x, bool saturate = true) => (byte)E5M2.Encode(x, saturate);
    public static byte EncodeE5M2FNUZ(double x, bool saturate = true) => (byte)E5M2FNUZ.Encode(x, saturate);

    /// <summary>float4 e2m1 (in the low nibble), round to nearest even; always saturates to ±6.</summary>
    public static byte EncodeE2M1(double x) => (byte)E2M1.Encode(x, saturate: true);

    /// <summary>bfloat16 bits from a double, rounded once to nearest even (infinity on overflow).</summary>
    public static ushort EncodeBFloat16(double x) => (ushort)BF16.Encode(x, saturate: false);

    /// <summary>float8 e8m0 from the float32 value of <paramref name="x"/>, as ONNX Cast defines it: the result is
    /// the float's biased exponent, rounded per <paramref name="rounding"/> using the mantissa bits (the sign is
    /// ignored; negative inputs are undefined by the spec). NaN and infinity give 0xFF (NaN). With
    /// <paramref name="saturate"/>, rounding never carries past the largest exponent (0xFE); without it, the
    /// carry produces NaN.</summary>
    public static byte EncodeE8M0(float x, bool saturate = true, E8M0Rounding rounding = E8M0Rounding.Up)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint exponent = (bits >> 23) & 0xFF;
        if (exponent == 0xFF) return 0xFF;
        bool roundUp = rounding switch
        {
            E8M0Rounding.Up => (bits & 0x7FFFFF) != 0,
            E8M0Rounding.Nearest => (bits & 0x400000) != 0 && ((bits & 0x200000) != 0 || (bits & 0x1FFFFF) != 0 || exponent > 0),
            _ => false,
        };
        if (roundUp && !(saturate && exponent == 0xFE)) exponent++;
        return (byte)exponent;
    }

    /// <summary>Parses an ONNX <c>round_mode</c> attribute value.</summary>
    public static E8M0Rounding ParseE8M0Rounding(string mode) => mode switch
    {
        "up" => E8M0Rounding.Up,
        "down" => E8M0Rounding.Down,
        "nearest" => E8M0Rounding.Nearest,
        _ => throw new StrataException(ErrorCode.InvalidAttribute, $"round_mode '{mode}' is not one of up, down, nearest",
            "use round_mode 'up', 'down' or 'nearest'"),
    };

    /// <summary>Largest finite values, for tests and saturation checks.</summary>
    public static float MaxE4M3FN => (float)E4M3FN.MaxFinite;
    public static float MaxE4M3FNUZ => (float)E4M3FNUZ.MaxFinite;
    public static float MaxE5M2 => (float)E5M2.MaxFinite;
    public static float MaxE5M2FNUZ => (float)E5M2FNUZ.MaxFinite;
    public static float MaxE2M1 => (float)E2M1.MaxFinite;
}
