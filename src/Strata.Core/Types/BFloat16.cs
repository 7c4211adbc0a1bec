namespace Strata.Core;

/// <summary>bfloat16: the upper 16 bits of an IEEE float32. Conversion from float rounds to nearest even.</summary>
public readonly record struct BFloat16(ushort Bits)
{
    public static explicit operator float(BFloat16 v) => BitConverter.Int32BitsToSingle(v.Bits << 16);

    public static explicit operator BFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return new BFloat16((ushort)((bits >> 16) | 0x40));
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    public override string ToString() => ((float)this).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
