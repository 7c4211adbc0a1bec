using System.Numerics;

namespace Strata.Core;

/// <summary>A computation written once for every type with .NET generic math; <see cref="InvokeOther"/>
/// handles the rest (bool, bfloat16, 8/4/2-bit formats) or throws.</summary>
public interface INumericFunc<out TResult>
{
    TResult Invoke<T>() where T : unmanaged, INumber<T>;
    TResult InvokeOther();
}

/// <summary>Runs an <see cref="INumericFunc{TResult}"/> instantiated at the CLR type of a <see cref="DataType"/>.</summary>
public static class NumericDispatch
{
    public static TResult Invoke<TFunc, TResult>(DataType type, TFunc f) where TFunc : INumericFunc<TResult> => type switch
    {
        DataType.Float32 => f.Invoke<float>(),
        DataType.Float64 => f.Invoke<double>(),
        DataType.Float16 => f.Invoke<Half>(),
        DataType.Int8 => f.Invoke<sbyte>(),
        DataType.Int16 => f.Invoke<short>(),
        DataType.Int32 => f.Invoke<int>(),
        DataType.Int64 => f.Invoke<long>(),
        DataType.UInt8 => f.Invoke<byte>(),
        DataType.UInt16 => f.Invoke<ushort>(),
        DataType.UInt32 => f.Invoke<uint>(),
        DataType.UInt64 => f.Invoke<ulong>(),
        _ => f.InvokeOther(),
    };
}
