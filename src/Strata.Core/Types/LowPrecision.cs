namespace Strata.Core;

// Sub-byte and 8-bit float formats. Each element is stored unpacked, one per struct; the ONNX importer
// packs/unpacks 4- and 2-bit values. Conversions live in LowPrecisionCodec so the rounding rules are in one place.

/// <summary>float8 e4m3fn: 4 exponent bits, 3 mantissa bits, no infinities, one NaN pattern per sign.</summary>
public readonly record struct Float8E4M3FN(byte Bits)
{
    public static explicit operator float(Float8E4M3FN v) => LowPrecisionCodec.DecodeE4M3FN(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e4m3fnuz: no negative zero, no infinities, 0x80 is NaN.</summary>
public readonly record struct Float8E4M3FNUZ(byte Bits)
{
    public static explicit operator float(Float8E4M3FNUZ v) => LowPrecisionCodec.DecodeE4M3FNUZ(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e5m2: IEEE-like with infinities.</summary>
public readonly record struct Float8E5M2(byte Bits)
{
    public static explicit operator float(Float8E5M2 v) => LowPrecisionCodec.DecodeE5M2(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e5m2fnuz: no negative zero, no infinities, 0x80 is NaN.</summary>
public readonly record struct Float8E5M2FNUZ(byte Bits)
{
    public static explicit operator float(Float8E5M2FNUZ v) => LowPrecisionCodec.DecodeE5M2FNUZ(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float8 e8m0: an exponent-only scale format (2^(bits-127)), 0xFF is NaN.</summary>
public readonly record struct Float8E8M0(byte Bits)
{
    public static explicit operator float(Float8E8M0 v) => LowPrecisionCodec.DecodeE8M0(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>float4 e2m1: 4-bit float held in the low nibble.</summary>
public readonly record struct Float4E2M1(byte Bits)
{
    public static explicit operator float(Float4E2M1 v) => LowPrecisionCodec.DecodeE2M1(v.Bits);
    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Signed 4-bit integer in [-8, 7].</summary>
public readonly record struct Int4(sbyte Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Unsigned 4-bit integer in [0, 15].</summary>
public readonly record struct UInt4(byte Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Signed 2-bit integer in [-2, 1].</summary>
public readonly record struct Int2(sbyte Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Unsigned 2-bit integer in [0, 3].</summary>
public readonly record struct UInt2(byte Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
