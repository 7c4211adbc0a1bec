using System.Numerics;

namespace Strata.Graph.Ops;

// The scalar functions the elementwise loops apply. Ops implement them as structs, so every loop is compiled
// for its op and the call is inlined; the generic-method forms let one definition serve every element type.

/// <summary>A function of one element. Implemented by structs, so each loop is compiled for the op and inlined.</summary>
internal interface IUnaryFunc<TIn, TOut>
{
    TOut Apply(TIn x);
}

/// <summary>A function of two elements.</summary>
internal interface IBinaryFunc<TA, TB, TOut>
{
    TOut Apply(TA a, TB b);
}

/// <summary>A function of three elements.</summary>
internal interface ITernaryFunc<TA, TB, TC, TOut>
{
    TOut Apply(TA a, TB b, TC c);
}

/// <summary>One definition of a unary op for every numeric type.</summary>
internal interface INumberUnaryFunc
{
    T Apply<T>(T x) where T : unmanaged, INumber<T>;
}

/// <summary>One definition of a binary op for every numeric type.</summary>
internal interface INumberBinaryFunc
{
    T Apply<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>One definition of a comparison for every numeric type.</summary>
internal interface INumberComparison
{
    bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>One definition of a unary op for every floating-point type.</summary>
internal interface IFloatUnaryFunc
{
    T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>One definition of a test on floating-point elements (IsNaN, IsInf).</summary>
internal interface IFloatPredicate
{
    bool Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>One definition of a unary op for every integer type.</summary>
internal interface IIntegerUnaryFunc
{
    T Apply<T>(T x) where T : unmanaged, IBinaryInteger<T>;
}

/// <summary>One definition of a binary op for every integer type.</summary>
internal interface IIntegerBinaryFunc
{
    T Apply<T>(T a, T b) where T : unmanaged, IBinaryInteger<T>;
}
