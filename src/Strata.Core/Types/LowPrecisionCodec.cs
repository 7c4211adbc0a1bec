namespace Strata.Core;

/// <summary>Exact decoding of the 8- and 4-bit float formats, and encoding with round-to-nearest-even
/// and the ONNX saturation rules.</summary>
public static class LowPrecisionCodec
{
    public static float DecodeE4M3FN(byte bits) => throw new NotImplementedException("TODO(cast helper)");
    public static float DecodeE4M3FNUZ(byte bits) => throw new NotImplementedException("TODO(cast helper)");
    public static float DecodeE5M2(byte bits) => throw new NotImplementedException("TODO(cast helper)");
    public static float DecodeE5M2FNUZ(byte bits) => throw new NotImplementedException("TODO(cast helper)");
    public static float DecodeE8M0(byte bits) => throw new NotImplementedException("TODO(cast helper)");
    public static float DecodeE2M1(byte bits) => throw new NotImplementedException("TODO(cast helper)");
}
