using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Which scale / zero-point element applies to each element of the quantized tensor, for the three
/// granularities of QuantizeLinear and DequantizeLinear: per tensor (a scalar or one-element scale), per axis
/// (a 1-D scale as long as dim <c>axis</c>), and blocked (same rank as the input, dim <c>axis</c> shrunk to
/// <c>ceil(D / block_size)</c>).</summary>
internal static class QuantizationLayout
{
    /// <summary>For each flat index of a tensor of <paramref name="shape"/>, the flat index into the parameter.</summary>
    public static int[] ParameterIndex(int[] shape, int[] parameterShape, long axisAttr, long blockSize, OpContext c)
    {
        int n = ShapeMath.Size(shape);
        var map = new int[n];
        int parameterSize = ShapeMath.Size(parameterShape);
        if (parameterSize == 1) return map;
        if (shape.Length == 0)
            throw c.Error(ErrorCode.ShapeMismatch, $"a scalar input needs a scalar scale, got shape {ShapeMath.Format(parameterShape)}");
        int axis = ShapeMath.NormalizeAxis(axisAttr, shape.Length);
        int dim = shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];

        if (blockSize <= 0)
        {
            if (parameterShape.Length != 1 || parameterShape[0] != dim)
                throw c.Error(ErrorCode.ShapeMismatch,
                    $"per-axis scale must be 1-D of length {dim} (dim {axis} of input {ShapeMath.Format(shape)}), got {ShapeMath.Format(parameterShape)}",
                    "use a scalar scale, a 1-D scale along 'axis', or set 'block_size' for blocked quantization");
            for (int i = 0; i < n; i++) map[i] = i / inner % dim;
            return map;
        }

        int blocks = parameterShape.Length == shape.Length ? parameterShape[axis] : -1;
        bool sameOtherDims = parameterShape.Length == shape.Length;
        for (int d = 0; d < shape.Length && sameOtherDims; d++)
            if (d != axis && parameterShape[d] != shape[d]) sameOtherDims = false;
        if (!sameOtherDims || (dim + blockSize - 1) / blockSize != blocks)
            throw c.Error(ErrorCode.ShapeMismatch,
                $"blocked scale shape {ShapeMath.Format(parameterShape)} does not fit input {ShapeMath.Format(shape)} with axis {axis} and block_size {blockSize}",
                "the scale must have the input's shape except dim 'axis', which is ceil(D / block_size)");
        for (int i = 0; i < n; i++)
        {
            int outer = i / (inner * dim), k = i / inner % dim, j = i % inner;
            map[i] = (outer * blocks + (int)(k / blockSize)) * inner + j;
        }
        return map;
    }

    /// <summary>Rounds <paramref name="x"/> to the precision of <paramref name="type"/>, for arithmetic that ONNX
    /// defines in the scale's type (float32, float16, bfloat16); other types keep double precision.</summary>
    public static double RoundTo(DataType type, double x) => type switch
    {
        DataType.Float32 or DataType.Float8E8M0 => (float)x,
        DataType.Float16 => (double)(Half)x,
        DataType.BFloat16 => (float)new BFloat16(LowPrecisionCodec.EncodeBFloat16(x)),
        _ => x,
    };

    /// <summary>The [min, max] range of an integer quantized type, or null for float types.</summary>
    public static (long Min, long Max)? IntegerRange(DataType type) => type switch
    {
        DataType.UInt8 => (0, 255),
        DataType.Int8 => (-128, 127),
        DataType.UInt16 => (0, 65535),
        DataType.Int16 => (-32768, 32767),
        DataType.UInt4 => (0, 15),
        DataType.Int4 => (-8, 7),
        DataType.UInt2 => (0, 3),
        DataType.Int2 => (-2, 1),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        _ => null,
    };
}
