namespace Strata.Core;

// Sub-byte and 8-bit float formats. Each element is stored unpacked, one per struct; the ONNX importer
// packs/unpacks 4- and 2-bit values. Conversions live in LowPrecisionCodec so the rounding rules are in one place.

/// <summary>float8 e4m3fn: 4 exponent bits, 3 mantissa bits, no infinities, one NaN pattern per sign.</summary>
public readonly record struct Float8E4M3FN(byte Bits)
{
    public static explicit operator float(Float8E4M3FN v) => LowPrecisionCodec.DecodeE4M3FN(v.Bits);
    /// <summary>Rounds to nearest even; saturates out-of-range values (Cast's default).</summary>
    public static explicit operator Float8E4M3FN(float f) => new(LowPrecisionCodec.EncodeE4M3FN(f));
    /// <summary>Rounds to nearest even; <paramref name="saturate"/> as in ONNX Cast.</summary>
    public static Float8E4M3FN FromDouble(double x, bool saturate = true) => new(LowPrecisionCodec.EncodeE4M3FN(x, saturate));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e4m3fnuz: no negative zero, no infinities, 0x80 is NaN.</summary>
public readonly record struct Float8E4M3FNUZ(byte Bits)
{
    public static explicit operator float(Float8E4M3FNUZ v) => LowPrecisionCodec.DecodeE4M3FNUZ(v.Bits);
    /// <summary>Rounds to nearest even; saturates out-of-range values (Cast's default).</summary>
    public static explicit operator Float8E4M3FNUZ(float f) => new(LowPrecisionCodec.EncodeE4M3FNUZ(f));
    /// <summary>Rounds to nearest even; <paramref name="saturate"/> as in ONNX Cast.</summary>
    public static Float8E4M3FNUZ FromDouble(double x, bool saturate = true) => new(LowPrecisionCodec.EncodeE4M3FNUZ(x, saturate));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e5m2: IEEE-like with infinities.</summary>
public readonly record struct Float8E5M2(byte Bits)
{
    public static explicit operator float(Float8E5M2 v) => LowPrecisionCodec.DecodeE5M2(v.Bits);
    /// <summary>Rounds to nearest even; saturates out-of-range values (Cast's default).</summary>
    public static explicit operator Float8E5M2(float f) => new(LowPrecisionCodec.EncodeE5M2(f));
    /// <summary>Rounds to nearest even; <paramref name="saturate"/> as in ONNX Cast.</summary>
    public static Float8E5M2 FromDouble(double x, bool saturate = true) => new(LowPrecisionCodec.EncodeE5M2(x, saturate));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e5m2fnuz: no negative zero, no infinities, 0x80 is NaN.</summary>
public readonly record struct Float8E5M2FNUZ(byte Bits)
{
    public static explicit operator float(Float8E5M2FNUZ v) => LowPrecisionCodec.DecodeE5M2FNUZ(v.Bits);
    /// <summary>Rounds to nearest even; saturates out-of-range values (Cast's default).</summary>
    public static explicit operator Float8E5M2FNUZ(float f) => new(LowPrecisionCodec.EncodeE5M2FNUZ(f));
    /// <summary>Rounds to nearest even; <paramref name="saturate"/> as in ONNX Cast.</summary>
    public static Float8E5M2FNUZ FromDouble(double x, bool saturate = true) => new(LowPrecisionCodec.EncodeE5M2FNUZ(x, saturate));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e8m0: an exponent-only scale format (2^(bits-127)), 0xFF is NaN.</summary>
public readonly record struct Float8E8M0(byte Bits)
{
    public static explicit operator float(Float8E8M0 v) => LowPrecisionCodec.DecodeE8M0(v.Bits);
    /// <summary>Rounds up and saturates (Cast's default for e8m0).</summary>
    public static explicit operator Float8E8M0(float f) => new(LowPrecisionCodec.EncodeE8M0(f));
    public static Float8E8M0 FromFloat(float x, bool saturate = true, E8M0Rounding rounding = E8M0Rounding.Up) =>
        new(LowPrecisionCodec.EncodeE8M0(x, saturate, rounding));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float4 e2m1: 4-bit float held in the low nibble.</summary>
public readonly record struct Float4E2M1(byte Bits)
{
    public static explicit operator float(Float4E2M1 v) => LowPrecisionCodec.DecodeE2M1(v.Bits);
    /// <summary>Rounds to nearest even and saturates to ±6.</summary>
    public static explicit operator Float4E2M1(float f) => new(LowPrecisionCodec.EncodeE2M1(f));
    public static Float4E2M1 FromDouble(double x) => new(LowPrecisionCodec.EncodeE2M1(x));
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Signed 4-bit integer in [-8, 7].</summary>
public readonly record struct Int4(sbyte Value)
{
    public const int MinValue = -8;
    public const int MaxValue = 7;

    /// <summary>The low 4 bits of <paramref name="value"/> (two's complement), as Cast between integers does.</summary>
    public static Int4 Wrap(long value) => new((sbyte)((int)((value & 0xF) ^ 0x8) - 0x8));

    /// <summary>Clamps to [-8, 7], as QuantizeLinear does.</summary>
    public static Int4 Clamp(long value) => new((sbyte)Math.Clamp(value, MinValue, MaxValue));

    /// <summary>From the element's 4-bit pattern (higher bits ignored).</summary>
    public static Int4 FromBits(int bits) => new((sbyte)(((bits & 0xF) ^ 0x8) - 0x8));

    /// <summary>The element's 4-bit pattern.</summary>
    public byte Bits => (byte)(Value & 0xF);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Unsigned 4-bit integer in [0, 15].</summary>
public readonly record struct UInt4(byte Value)
{
    public const int MinValue = 0;
    public const int MaxValue = 15;

    /// <summary>The low 4 bits of <paramref name="value"/> (two's complement), as Cast between integers does.</summary>
    public static UInt4 Wrap(long value) => new((byte)(value & 0xF));

    /// <summary>Clamps to [0, 15], as QuantizeLinear does.</summary>
    public static UInt4 Clamp(long value) => new((byte)Math.Clamp(value, MinValue, MaxValue));

    /// <summary>From the element's 4-bit pattern (higher bits ignored).</summary>
    public static UInt4 FromBits(int bits) => new((byte)(bits & 0xF));

    /// <summary>The element's 4-bit pattern.</summary>
    public byte Bits => (byte)(Value & 0xF);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Signed 2-bit integer in [-2, 1].</summary>
public readonly record struct Int2(sbyte Value)
{
    public const int MinValue = -2;
    public const int MaxValue = 1;

    /// <summary>The low 2 bits of <paramref name="value"/> (two's complement), as Cast between integers does.</summary>
    public static Int2 Wrap(long value) => new((sbyte)((int)((value & 0x3) ^ 0x2) - 0x2));

    /// <summary>Clamps to [-2, 1], as QuantizeLinear does.</summary>
    public static Int2 Clamp(long value) => new((sbyte)Math.Clamp(value, MinValue, MaxValue));

    /// <summary>From the element's 2-bit pattern (higher bits ignored).</summary>
    public static Int2 FromBits(int bits) => new((sbyte)(((bits & 0x3) ^ 0x2) - 0x2));

    /// <summary>The element's 2-bit pattern.</summary>
    public byte Bits => (byte)(Value & 0x3);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Unsigned 2-bit integer in [0, 3].</summary>
public readonly record struct UInt2(byte Value)
{
    public const int MinValue = 0;
    public const int MaxValue = 3;

    /// <summary>The low 2 bits of <paramref name="value"/> (two's complement), as Cast between integers does.</summary>
    public static UInt2 Wrap(long value) => new((byte)(value & 0x3));

    /// <summary>Clamps to [0, 3], as QuantizeLinear does.</summary>
    public static UInt2 Clamp(long value) => new((byte)Math.Clamp(value, MinValue, MaxValue));

    /// <summary>From the element's 2-bit pattern (higher bits ignored).</summary>
    public static UInt2 FromBits(int bits) => new((byte)(bits & 0x3));

    /// <summary>The element's 2-bit pattern.</summary>
    public byte Bits => (byte)(Value & 0x3);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
