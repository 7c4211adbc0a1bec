using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The loops of the elementwise family: map, and broadcasting binary and ternary loops over
/// <see cref="BroadcastPlan"/>; and the dispatch from a tensor's <see cref="DataType"/> to a generic-math
/// definition. float16 and bfloat16 compute through float where an op is not exact in its own type.</summary>
internal static class ElementwiseKernels
{
    // ---- loops ----

    public static Tensor<TOut> Map<TIn, TOut, TOp>(Tensor<TIn> x, TOp op) where TOp : struct, IUnaryFunc<TIn, TOut>
    {
        var result = new Tensor<TOut>(x.Shape);
        ReadOnlySpan<TIn> src = x.Span;
        Span<TOut> dst = result.Span;
        for (int i = 0; i < src.Length; i++) dst[i] = op.Apply(src[i]);
        return result;
    }

    public static Tensor<TOut> Binary<TA, TB, TOut, TOp>(Tensor<TA> a, Tensor<TB> b, TOp op) where TOp : struct, IBinaryFunc<TA, TB, TOut>
    {
        ReadOnlySpan<TA> x = a.Span;
        ReadOnlySpan<TB> y = b.Span;
        if (a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            var same = new Tensor<TOut>(a.Shape);
            Span<TOut> o = same.Span;
            for (int i = 0; i < o.Length && i < x.Length && i < y.Length; i++) o[i] = op.Apply(x[i], y[i]);
            return same;
        }

        var plan = BroadcastPlan.Create(a.Shape, b.Shape);
        var result = new Tensor<TOut>(plan.OutputShape);
        Span<TOut> dst = result.Span;
        if (dst.Length == 0) return result;
        int rank = plan.Rank, n = plan.Inner;
        int[] dims = plan.Dims, sa = plan.Strides[0], sb = plan.Strides[1];
        int innerA = sa[rank - 1], innerB = sb[rank - 1];
        Span<int> index = stackalloc int[rank];
        int ia = 0, ib = 0;
        for (int io = 0; io < dst.Length; io += n)
        {
            var o = dst.Slice(io, n);
            if (innerA == 1 && innerB == 1)
            {
                var xa = x.Slice(ia, n);
                var yb = y.Slice(ib, n);
                for (int i = 0; i < o.Length; i++) o[i] = op.Apply(xa[i], yb[i]);
            }
            else if (innerB == 1)
            {
                TA s = x[ia];
                var yb = y.Slice(ib, n);
                for (int i = 0; i < o.Length; i++) o[i] = op.Apply(s, yb[i]);
            }
            else if (innerA == 1)
            {
                var xa = x.Slice(ia, n);
                TB s = y[ib];
                for (int i = 0; i < o.Length; i++) o[i] = op.Apply(xa[i], s);
            }
            else
            {
                o.Fill(op.Apply(x[ia], y[ib]));
            }
            for (int d = rank - 2; d >= 0; d--)
            {
                ia += sa[d]; ib += sb[d];
                if (++index[d] < dims[d]) break;
                ia -= sa[d] * dims[d]; ib -= sb[d] * dims[d];
                index[d] = 0;
            }
        }
        return result;
    }

    public static Tensor<TOut> Ternary<TA, TB, TC, TOut, TOp>(Tensor<TA> a, Tensor<TB> b, Tensor<TC> c, TOp op)
        where TOp : struct, ITernaryFunc<TA, TB, TC, TOut>
    {
        var plan = BroadcastPlan.Create(a.Shape, b.Shape, c.Shape);
        var result = new Tensor<TOut>(plan.OutputShape);
        Span<TOut> dst = result.Span;
        if (dst.Length == 0) return result;
        ReadOnlySpan<TA> x = a.Span;
        ReadOnlySpan<TB> y = b.Span;
        ReadOnlySpan<TC> z = c.Span;
        int rank = plan.Rank, n = plan.Inner;
        int[] dims = plan.Dims, sa = plan.Strides[0], sb = plan.Strides[1], sc = plan.Strides[2];
        int innerA = sa[rank - 1], innerB = sb[rank - 1], innerC = sc[rank - 1];
        Span<int> index = stackalloc int[rank];
        int ia = 0, ib = 0, ic = 0;
        for (int io = 0; io < dst.Length; io += n)
        {
            var o = dst.Slice(io, n);
            if (innerA == 1 && innerB == 1 && innerC == 1)
            {
                var xa = x.Slice(ia, n);
                var yb = y.Slice(ib, n);
                var zc = z.Slice(ic, n);
                for (int i = 0; i < o.Length; i++) o[i] = op.Apply(xa[i], yb[i], zc[i]);
            }
            else
            {
                for (int i = 0; i < o.Length; i++) o[i] = op.Apply(x[ia + i * innerA], y[ib + i * innerB], z[ic + i * innerC]);
            }
            for (int d = rank - 2; d >= 0; d--)
            {
                ia += sa[d]; ib += sb[d]; ic += sc[d];
                if (++index[d] < dims[d]) break;
                ia -= sa[d] * dims[d]; ib -= sb[d] * dims[d]; ic -= sc[d] * dims[d];
                index[d] = 0;
            }
        }
        return result;
    }

    // ---- typed families ----

    /// <summary>A numeric unary op on any numeric type (bfloat16 through float).</summary>
    public static Tensor MapNumber<TOp>(Tensor x, TOp op) where TOp : struct, INumberUnaryFunc =>
        x is Tensor<BFloat16> ? FromFloat(MapNumber(ToFloat(x), op), x.DataType)
            : NumericDispatch.Invoke<MapNumberFunc<TOp>, Tensor>(x.DataType, new MapNumberFunc<TOp>(x, op));

    /// <summary>A floating-point unary op: float and double natively; float16 and bfloat16 through float.</summary>
    public static Tensor MapFloat<TOp>(Tensor x, TOp op) where TOp : struct, IFloatUnaryFunc => x switch
    {
        Tensor<float> f => Map<float, float, FloatUnary<float, TOp>>(f, new(op)),
        Tensor<double> d => Map<double, double, FloatUnary<double, TOp>>(d, new(op)),
        Tensor<Half> or Tensor<BFloat16> => FromFloat((Tensor<float>)MapFloat(ToFloat(x), op), x.DataType),
        _ => throw Unsupported(x.DataType, "a floating-point type (float16, bfloat16, float, double)"),
    };

    /// <summary>A test on floating-point elements, for every float type including the 8-bit formats.</summary>
    public static Tensor<bool> TestFloat<TOp>(Tensor x, TOp op) where TOp : struct, IFloatPredicate => x switch
    {
        Tensor<float> f => Map<float, bool, FloatTest<float, TOp>>(f, new(op)),
        Tensor<double> d => Map<double, bool, FloatTest<double, TOp>>(d, new(op)),
        Tensor<Half> h => Map<Half, bool, FloatTest<Half, TOp>>(h, new(op)),
        _ when x.DataType.IsFloatingPoint() => TestFloat(ToFloat(x), op),
        _ => throw Unsupported(x.DataType, "a floating-point type"),
    };

    /// <summary>A numeric binary op with broadcasting; both operands have the same type (bfloat16 through float).</summary>
    public static Tensor BinaryNumber<TOp>(Tensor a, Tensor b, TOp op) where TOp : struct, INumberBinaryFunc
    {
        RequireSameType(a, b);
        return a is Tensor<BFloat16> ? FromFloat(BinaryNumber(ToFloat(a), ToFloat(b), op), a.DataType)
            : NumericDispatch.Invoke<BinaryNumberFunc<TOp>, Tensor>(a.DataType, new BinaryNumberFunc<TOp>(a, b, op));
    }

    /// <summary>A numeric comparison with broadcasting, giving bool (bfloat16 through float).</summary>
    public static Tensor<bool> CompareNumber<TOp>(Tensor a, Tensor b, TOp op) where TOp : struct, INumberComparison
    {
        RequireSameType(a, b);
        return a is Tensor<BFloat16> ? CompareNumber(ToFloat(a), ToFloat(b), op)
            : NumericDispatch.Invoke<CompareNumberFunc<TOp>, Tensor<bool>>(a.DataType, new CompareNumberFunc<TOp>(a, b, op));
    }

    public static Tensor MapInteger<TOp>(Tensor x, TOp op) where TOp : struct, IIntegerUnaryFunc => x switch
    {
        Tensor<sbyte> t => Map<sbyte, sbyte, IntegerUnary<sbyte, TOp>>(t, new(op)),
        Tensor<short> t => Map<short, short, IntegerUnary<short, TOp>>(t, new(op)),
        Tensor<int> t => Map<int, int, IntegerUnary<int, TOp>>(t, new(op)),
        Tensor<long> t => Map<long, long, IntegerUnary<long, TOp>>(t, new(op)),
        Tensor<byte> t => Map<byte, byte, IntegerUnary<byte, TOp>>(t, new(op)),
        Tensor<ushort> t => Map<ushort, ushort, IntegerUnary<ushort, TOp>>(t, new(op)),
        Tensor<uint> t => Map<uint, uint, IntegerUnary<uint, TOp>>(t, new(op)),
        Tensor<ulong> t => Map<ulong, ulong, IntegerUnary<ulong, TOp>>(t, new(op)),
        _ => throw Unsupported(x.DataType, "an integer type"),
    };

    public static Tensor BinaryInteger<TOp>(Tensor a, Tensor b, TOp op) where TOp : struct, IIntegerBinaryFunc
    {
        RequireSameType(a, b);
        return a switch
        {
            Tensor<sbyte> t => Binary<sbyte, sbyte, sbyte, IntegerBinary<sbyte, TOp>>(t, (Tensor<sbyte>)b, new(op)),
            Tensor<short> t => Binary<short, short, short, IntegerBinary<short, TOp>>(t, (Tensor<short>)b, new(op)),
            Tensor<int> t => Binary<int, int, int, IntegerBinary<int, TOp>>(t, (Tensor<int>)b, new(op)),
            Tensor<long> t => Binary<long, long, long, IntegerBinary<long, TOp>>(t, (Tensor<long>)b, new(op)),
            Tensor<byte> t => Binary<byte, byte, byte, IntegerBinary<byte, TOp>>(t, (Tensor<byte>)b, new(op)),
            Tensor<ushort> t => Binary<ushort, ushort, ushort, IntegerBinary<ushort, TOp>>(t, (Tensor<ushort>)b, new(op)),
            Tensor<uint> t => Binary<uint, uint, uint, IntegerBinary<uint, TOp>>(t, (Tensor<uint>)b, new(op)),
            Tensor<ulong> t => Binary<ulong, ulong, ulong, IntegerBinary<ulong, TOp>>(t, (Tensor<ulong>)b, new(op)),
            _ => throw Unsupported(a.DataType, "an integer type"),
        };
    }

    // ---- helpers ----

    /// <summary>True for the binary floating-point CLR types (float, double, Half); a JIT-time constant.</summary>
    public static bool IsFloat<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half);

    /// <summary>The tensor as float32 (a copy unless it is already float32); for float16, bfloat16 and 8-bit floats.</summary>
    public static Tensor<float> ToFloat(Tensor t)
    {
        if (t is Tensor<float> f) return f;
        var result = new Tensor<float>(t.Shape);
        var dst = result.Span;
        switch (t)
        {
            case Tensor<Half> h: { var s = h.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<BFloat16> b: { var s = b.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float8E4M3FN> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float8E4M3FNUZ> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float8E5M2> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float8E5M2FNUZ> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float8E8M0> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case Tensor<Float4E2M1> e: { var s = e.Span; for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            default: throw Unsupported(t.DataType, "a floating-point type");
        }
        return result;
    }

    /// <summary>A float32 result rounded back to <paramref name="type"/> (float32, float16 or bfloat16).</summary>
    public static Tensor FromFloat(Tensor t, DataType type)
    {
        var f = (Tensor<float>)t;
        switch (type)
        {
            case DataType.Float32: return f;
            case DataType.Float16:
            {
                var r = new Tensor<Half>(f.Shape);
                var s = f.Span; var d = r.Span;
                for (int i = 0; i < d.Length; i++) d[i] = (Half)s[i];
                return r;
            }
            case DataType.BFloat16:
            {
                var r = new Tensor<BFloat16>(f.Shape);
                var s = f.Span; var d = r.Span;
                for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)s[i];
                return r;
            }
            default: throw Unsupported(type, "float32, float16 or bfloat16");
        }
    }

    public static void RequireSameType(Tensor a, Tensor b)
    {
        if (a.DataType != b.DataType)
            throw new StrataException(ErrorCode.TypeMismatch,
                $"operands have different element types ({a.DataType.ShortName()} and {b.DataType.ShortName()})",
                "give both operands the same element type (insert a Cast)");
    }

    public static StrataException Unsupported(DataType type, string expected) =>
        new(ErrorCode.UnsupportedDataType, $"element type {type.ShortName()} is not supported by this op",
            $"use {expected}");

    // ---- adapters from the generic-math definitions to the typed loops ----

    private readonly struct FloatUnary<T, TOp>(TOp op) : IUnaryFunc<T, T>
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IFloatUnaryFunc
    {
        public T Apply(T x) => op.Apply(x);
    }

    private readonly struct FloatTest<T, TOp>(TOp op) : IUnaryFunc<T, bool>
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IFloatPredicate
    {
        public bool Apply(T x) => op.Apply(x);
    }

    private readonly struct NumberUnary<T, TOp>(TOp op) : IUnaryFunc<T, T>
        where T : unmanaged, INumber<T> where TOp : struct, INumberUnaryFunc
    {
        public T Apply(T x) => op.Apply(x);
    }

    private readonly struct NumberBinary<T, TOp>(TOp op) : IBinaryFunc<T, T, T>
        where T : unmanaged, INumber<T> where TOp : struct, INumberBinaryFunc
    {
        public T Apply(T a, T b) => op.Apply(a, b);
    }

    private readonly struct NumberComparison<T, TOp>(TOp op) : IBinaryFunc<T, T, bool>
        where T : unmanaged, INumber<T> where TOp : struct, INumberComparison
    {
        public bool Apply(T a, T b) => op.Apply(a, b);
    }

    private readonly struct IntegerUnary<T, TOp>(TOp op) : IUnaryFunc<T, T>
        where T : unmanaged, IBinaryInteger<T> where TOp : struct, IIntegerUnaryFunc
    {
        public T Apply(T x) => op.Apply(x);
    }

    private readonly struct IntegerBinary<T, TOp>(TOp op) : IBinaryFunc<T, T, T>
        where T : unmanaged, IBinaryInteger<T> where TOp : struct, IIntegerBinaryFunc
    {
        public T Apply(T a, T b) => op.Apply(a, b);
    }

    private readonly struct MapNumberFunc<TOp>(Tensor x, TOp op) : INumericFunc<Tensor> where TOp : struct, INumberUnaryFunc
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T> => Map<T, T, NumberUnary<T, TOp>>((Tensor<T>)x, new(op));
        public Tensor InvokeOther() => throw Unsupported(x.DataType, "a numeric type");
    }

    private readonly struct BinaryNumberFunc<TOp>(Tensor a, Tensor b, TOp op) : INumericFunc<Tensor> where TOp : struct, INumberBinaryFunc
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T> =>
            Binary<T, T, T, NumberBinary<T, TOp>>((Tensor<T>)a, (Tensor<T>)b, new(op));
        public Tensor InvokeOther() => throw Unsupported(a.DataType, "a numeric type");
    }

    private readonly struct CompareNumberFunc<TOp>(Tensor a, Tensor b, TOp op) : INumericFunc<Tensor<bool>> where TOp : struct, INumberComparison
    {
        public Tensor<bool> Invoke<T>() where T : unmanaged, INumber<T> =>
            Binary<T, T, bool, NumberComparison<T, TOp>>((Tensor<T>)a, (Tensor<T>)b, new(op));
        public Tensor<bool> InvokeOther() => throw Unsupported(a.DataType, "a numeric type");
    }
}
