namespace Strata.Core;

/// <summary>Creates tensors of a runtime-chosen <see cref="DataType"/>.</summary>
public static class TensorFactory
{
    public static Tensor Create(DataType type, ReadOnlySpan<int> shape) => type switch
    {
        DataType.Float32 => new Tensor<float>(shape),
        DataType.Float64 => new Tensor<double>(shape),
        DataType.Float16 => new Tensor<Half>(shape),
        DataType.BFloat16 => new Tensor<BFloat16>(shape),
        DataType.Int8 => new Tensor<sbyte>(shape),
        DataType.Int16 => new Tensor<short>(shape),
        DataType.Int32 => new Tensor<int>(shape),
        DataType.Int64 => new Tensor<long>(shape),
        DataType.UInt8 => new Tensor<byte>(shape),
        DataType.UInt16 => new Tensor<ushort>(shape),
        DataType.UInt32 => new Tensor<uint>(shape),
        DataType.UInt64 => new Tensor<ulong>(shape),
        DataType.Bool => new Tensor<bool>(shape),
        DataType.String => new Tensor<string>(shape),
        DataType.Float8E4M3FN => new Tensor<Float8E4M3FN>(shape),
        DataType.Float8E4M3FNUZ => new Tensor<Float8E4M3FNUZ>(shape),
        DataType.Float8E5M2 => new Tensor<Float8E5M2>(shape),
        DataType.Float8E5M2FNUZ => new Tensor<Float8E5M2FNUZ>(shape),
        DataType.Float8E8M0 => new Tensor<Float8E8M0>(shape),
        DataType.Float4E2M1 => new Tensor<Float4E2M1>(shape),
        DataType.Int4 => new Tensor<Int4>(shape),
        DataType.UInt4 => new Tensor<UInt4>(shape),
        DataType.Int2 => new Tensor<Int2>(shape),
        DataType.UInt2 => new Tensor<UInt2>(shape),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"data type {type} is not supported",
            "use one of the supported element types (see DataType)"),
    };

    /// <summary>Wraps a CLR array (element type decides the data type) as a tensor without copying.</summary>
    public static Tensor FromArray(Array data, ReadOnlySpan<int> shape)
    {
        var method = typeof(TensorFactory).GetMethod(nameof(Wrap), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(data.GetType().GetElementType()!);
        return (Tensor)method.Invoke(null, [data, shape.ToArray()])!;
    }

    private static Tensor Wrap<T>(T[] data, int[] shape) => new Tensor<T>(data, shape);
}
