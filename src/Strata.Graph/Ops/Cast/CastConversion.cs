using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The options of ONNX Cast that change how a value converts: <c>saturate</c> (float8 targets) and
/// <c>round_mode</c> (float8 e8m0).</summary>
internal readonly record struct CastOptions(bool Saturate = true, E8M0Rounding Rounding = E8M0Rounding.Up)
{
    public static readonly CastOptions Default = new(true, E8M0Rounding.Up);
}

/// <summary>Element-wise conversion of a tensor to another element type with ONNX Cast semantics.</summary>
/// <remarks>
/// Paths, chosen once per tensor:
/// <list type="bullet">
/// <item>native numeric → native numeric: one generic loop per type pair (<c>CreateTruncating</c>: integers wrap,
/// floats round to nearest even, float → integer truncates toward zero and saturates; out of range is
/// undefined in ONNX);</item>
/// <item>integer or bool → integer or bool: through <c>long</c>, so wrapping keeps the low bits exactly;</item>
/// <item>anything else numeric: through <c>double</c>, which holds every source value exactly except
/// 64-bit integers beyond 2^53, then one rounding into the target;</item>
/// <item>strings: parsed to / formatted from numbers by <see cref="CastNumberText"/>.</item>
/// </list>
/// </remarks>
internal static class CastConversion
{
    public static Tensor Convert(Tensor source, DataType to, CastOptions options)
    {
        var from = source.DataType;
        if (to.ClrType() is null || from.ClrType() is null)
            throw new StrataException(ErrorCode.UnsupportedDataType, $"cannot cast from {from} to {to}",
                "Cast supports every ONNX element type except complex");
        if (from == to) return source.Clone();
        if (to == DataType.String) return CastNumberText.Format(source);
        if (from == DataType.String) return FromStrings((Tensor<string>)source, to, options);
        if (from.IsNativeNumeric() && to.IsNativeNumeric())
        {
            var result = TensorFactory.Create(to, source.Shape);
            NumericDispatch.Invoke<NativeSource, bool>(from, new NativeSource(source, result));
            return result;
        }
        if (IsIntegerLike(from) && IsIntegerLike(to))
            return FromInt64s(TensorConvert.ToInt64s(source), to, source.Shape);
        return FromDoubles(TensorConvert.ToDoubles(source), to, source.Shape, options);
    }

    /// <summary>Integers of any width and bool: the types whose values are exact in a <c>long</c> (uint64 by its bits).</summary>
    public static bool IsIntegerLike(DataType t) => t.IsInteger() || t == DataType.Bool;

    /// <summary>Builds a tensor of an integer-like or float type from integers; integer targets keep the low bits
    /// (two's complement wrap), bool is <c>x != 0</c>.</summary>
    public static Tensor FromInt64s(long[] values, DataType to, int[] shape)
    {
        var result = TensorFactory.Create(to, shape);
        switch (result)
        {
            case Tensor<bool> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = values[i] != 0; break; }
            case Tensor<Int4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int4.Wrap(values[i]); break; }
            case Tensor<UInt4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt4.Wrap(values[i]); break; }
            case Tensor<Int2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int2.Wrap(values[i]); break; }
            case Tensor<UInt2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt2.Wrap(values[i]); break; }
            default:
                if (!to.IsInteger())
                    throw new ArgumentException($"{to} is not an integer type", nameof(to));
                NumericDispatch.Invoke<FromInt64sFunc, bool>(to, new FromInt64sFunc(values, result));
                break;
        }
        return result;
    }

    /// <summary>Builds a tensor of any non-string type from doubles: floats round to nearest even (float8 per
    /// <paramref name="options"/>), integers truncate toward zero (narrow integers then wrap), bool is <c>x != 0</c>.</summary>
    public static Tensor FromDoubles(double[] values, DataType to, int[] shape, CastOptions options)
    {
        var result = TensorFactory.Create(to, shape);
        bool sat = options.Saturate;
        switch (result)
        {
            case Tensor<bool> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = values[i] != 0; break; }
            case Tensor<BFloat16> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new BFloat16(LowPrecisionCodec.EncodeBFloat16(values[i])); break; }
            case Tensor<Float8E4M3FN> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE4M3FN(values[i], sat)); break; }
            case Tensor<Float8E4M3FNUZ> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE4M3FNUZ(values[i], sat)); break; }
            case Tensor<Float8E5M2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE5M2(values[i], sat)); break; }
            case Tensor<Float8E5M2FNUZ> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE5M2FNUZ(values[i], sat)); break; }
            case Tensor<Float8E8M0> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE8M0((float)values[i], sat, options.Rounding)); break; }
            case Tensor<Float4E2M1> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = new(LowPrecisionCodec.EncodeE2M1(values[i])); break; }
            case Tensor<Int4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int4.Wrap(TruncateToInt64(values[i])); break; }
            case Tensor<UInt4> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt4.Wrap(TruncateToInt64(values[i])); break; }
            case Tensor<Int2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = Int2.Wrap(TruncateToInt64(values[i])); break; }
            case Tensor<UInt2> t: { var d = t.Span; for (int i = 0; i < d.Length; i++) d[i] = UInt2.Wrap(TruncateToInt64(values[i])); break; }
            default: NumericDispatch.Invoke<FromDoublesFunc, bool>(to, new FromDoublesFunc(values, result)); break;
        }
        return result;
    }

    /// <summary>Truncates toward zero; NaN is 0 and out-of-range values saturate (undefined in ONNX).</summary>
    private static long TruncateToInt64(double x) => long.CreateSaturating(Math.Truncate(x));

    private static Tensor FromStrings(Tensor<string> source, DataType to, CastOptions options)
    {
        var s = source.Span;
        if (IsIntegerLike(to))
        {
            var longs = new long[s.Length];
            for (int i = 0; i < s.Length; i++) longs[i] = CastNumberText.ParseInteger(s[i]);
            return FromInt64s(longs, to, source.Shape);
        }
        var doubles = new double[s.Length];
        for (int i = 0; i < s.Length; i++) doubles[i] = CastNumberText.ParseDouble(s[i]);
        return FromDoubles(doubles, to, source.Shape, options);
    }

    private readonly struct NativeSource(Tensor source, Tensor result) : INumericFunc<bool>
    {
        public bool Invoke<TFrom>() where TFrom : unmanaged, INumber<TFrom> =>
            NumericDispatch.Invoke<NativeTarget<TFrom>, bool>(result.DataType, new NativeTarget<TFrom>((Tensor<TFrom>)source, result));
        public bool InvokeOther() => throw new InvalidOperationException("not a native numeric type");
    }

    private readonly struct NativeTarget<TFrom>(Tensor<TFrom> source, Tensor result) : INumericFunc<bool>
        where TFrom : unmanaged, INumber<TFrom>
    {
        public bool Invoke<TTo>() where TTo : unmanaged, INumber<TTo>
        {
            ReadOnlySpan<TFrom> s = source.Span;
            var d = ((Tensor<TTo>)result).Span;
            for (int i = 0; i < d.Length; i++) d[i] = TTo.CreateTruncating(s[i]);
            return true;
        }
        public bool InvokeOther() => throw new InvalidOperationException("not a native numeric type");
    }

    private readonly struct FromInt64sFunc(long[] values, Tensor result) : INumericFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, INumber<T>
        {
            // Integer targets keep the low bits (uint64 values travel as their bit pattern in a long).
            var d = ((Tensor<T>)result).Span;
            for (int i = 0; i < d.Length; i++) d[i] = T.CreateTruncating(values[i]);
            return true;
        }
        public bool InvokeOther() => throw new InvalidOperationException("not a native numeric type");
    }

    private readonly struct FromDoublesFunc(double[] values, Tensor result) : INumericFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, INumber<T>
        {
            var d = ((Tensor<T>)result).Span;
            for (int i = 0; i < d.Length; i++) d[i] = T.CreateTruncating(values[i]);
            return true;
        }
        public bool InvokeOther() => throw new InvalidOperationException("not a native numeric type");
    }
}
