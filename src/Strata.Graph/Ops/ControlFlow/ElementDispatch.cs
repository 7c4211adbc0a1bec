using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>A computation written once for every element type, numeric or not (data movement: copy, slice, stack).</summary>
internal interface IElementFunc<out TResult>
{
    TResult Invoke<T>();
}

/// <summary>Runs an <see cref="IElementFunc{TResult}"/> at the CLR element type of a <see cref="DataType"/>.</summary>
internal static class ElementDispatch
{
    public static TResult Invoke<TFunc, TResult>(DataType type, TFunc f) where TFunc : IElementFunc<TResult> => type switch
    {
        DataType.Float32 => f.Invoke<float>(),
        DataType.Float64 => f.Invoke<double>(),
        DataType.Float16 => f.Invoke<Half>(),
        DataType.BFloat16 => f.Invoke<BFloat16>(),
        DataType.Int8 => f.Invoke<sbyte>(),
        DataType.Int16 => f.Invoke<short>(),
        DataType.Int32 => f.Invoke<int>(),
        DataType.Int64 => f.Invoke<long>(),
        DataType.UInt8 => f.Invoke<byte>(),
        DataType.UInt16 => f.Invoke<ushort>(),
        DataType.UInt32 => f.Invoke<uint>(),
        DataType.UInt64 => f.Invoke<ulong>(),
        DataType.Bool => f.Invoke<bool>(),
        DataType.String => f.Invoke<string>(),
        DataType.Float8E4M3FN => f.Invoke<Float8E4M3FN>(),
        DataType.Float8E4M3FNUZ => f.Invoke<Float8E4M3FNUZ>(),
        DataType.Float8E5M2 => f.Invoke<Float8E5M2>(),
        DataType.Float8E5M2FNUZ => f.Invoke<Float8E5M2FNUZ>(),
        DataType.Float8E8M0 => f.Invoke<Float8E8M0>(),
        DataType.Float4E2M1 => f.Invoke<Float4E2M1>(),
        DataType.Int4 => f.Invoke<Int4>(),
        DataType.UInt4 => f.Invoke<UInt4>(),
        DataType.Int2 => f.Invoke<Int2>(),
        DataType.UInt2 => f.Invoke<UInt2>(),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"data type {type} is not supported here",
            "use one of the supported element types (see DataType)"),
    };
}
