using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Binary arithmetic with numpy broadcasting: Add Sub Mul Div Mod (every numeric type) and Pow (base and
/// exponent of any numeric types; the result has the base's type).</summary>
internal static class BinaryArithmeticOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddNumberBinary("Add", _ => new AddFunc());
        registry.AddNumberBinary("Sub", _ => new SubFunc());
        registry.AddNumberBinary("Mul", _ => new MulFunc());
        registry.AddNumberBinary("Div", _ => new DivFunc());
        registry.AddOp(OpSchema.Unary("Mod", c => Infer.Broadcast(c), Mod));
        registry.AddOp(OpSchema.Unary("Pow", c => ElementwiseOps.InferBinary(c), c => Pow(c.Input(0), ElementwiseOps.RightOperand(c))));
    }

    private static Tensor Mod(OpContext c)
    {
        var (a, b) = (c.Input(0), ElementwiseOps.RightOperand(c));
        bool fmod = c.Int("fmod", 0) != 0;
        if (!fmod && a.DataType.IsFloatingPoint())
            throw c.Error(ErrorCode.InvalidAttribute, $"Mod of floating-point values ({a.DataType.ShortName()}) needs fmod=1",
                "set the attribute fmod=1 (C fmod semantics), or cast the operands to an integer type");
        return ElementwiseKernels.BinaryNumber(a, b, new ModFunc(fmod));
    }

    /// <summary>numpy's <c>power(x, y).astype(x.dtype)</c>: exact (wrapping) integer powers when both are integers,
    /// otherwise computed in double and converted to the base's type.</summary>
    public static Tensor Pow(Tensor x, Tensor y)
    {
        if (x is Tensor<BFloat16>) return ElementwiseKernels.FromFloat(Pow(ElementwiseKernels.ToFloat(x), y), x.DataType);
        if (y is Tensor<BFloat16>) y = ElementwiseKernels.ToFloat(y);
        return NumericDispatch.Invoke<PowBase, Tensor>(x.DataType, new PowBase(x, y));
    }

    /// <summary>Integer power by squaring, wrapping on overflow like numpy. A negative exponent gives the
    /// truncated value of 1/x^-e.</summary>
    internal static T IntegerPower<T>(T x, long e) where T : INumber<T>
    {
        if (e < 0)
        {
            if (x == T.One) return T.One;
            if (T.IsNegative(x) && x == -T.One) return (e & 1) == 0 ? T.One : x;
            return T.Zero;
        }
        T result = T.One;
        while (e > 0)
        {
            if ((e & 1) != 0) result *= x;
            x *= x;
            e >>= 1;
        }
        return result;
    }

    private readonly struct AddFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
    }

    private readonly struct SubFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a - b;
    }

    private readonly struct MulFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a * b;
    }

    /// <summary>Integer division truncates toward zero (C); division by zero gives 0 and MIN / -1 wraps, as in numpy.</summary>
    private readonly struct DivFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>
        {
            if (ElementwiseKernels.IsFloat<T>()) return a / b;
            if (b == T.Zero) return T.Zero;
            if (T.IsNegative(b) && b == -T.One) return -a;
            return a / b;
        }
    }

    /// <summary>fmod: the remainder has the dividend's sign (C fmod); otherwise the divisor's sign (Python).
    /// An integer remainder by zero is 0, as in numpy.</summary>
    private readonly struct ModFunc(bool fmod) : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T>
        {
            if (!ElementwiseKernels.IsFloat<T>())
            {
                if (b == T.Zero) return T.Zero;
                if (T.IsNegative(b) && b == -T.One) return T.Zero;
            }
            T r = a % b;
            if (!fmod && r != T.Zero && T.IsNegative(r) != T.IsNegative(b)) r += b;
            return r;
        }
    }

    private readonly struct PowBase(Tensor x, Tensor y) : INumericFunc<Tensor>
    {
        public Tensor Invoke<TBase>() where TBase : unmanaged, INumber<TBase> =>
            NumericDispatch.Invoke<PowExponent<TBase>, Tensor>(y.DataType, new PowExponent<TBase>((Tensor<TBase>)x, y));
        public Tensor InvokeOther() => throw ElementwiseKernels.Unsupported(x.DataType, "a numeric base");
    }

    private readonly struct PowExponent<TBase>(Tensor<TBase> x, Tensor y) : INumericFunc<Tensor> where TBase : unmanaged, INumber<TBase>
    {
        public Tensor Invoke<TExp>() where TExp : unmanaged, INumber<TExp> =>
            ElementwiseKernels.Binary<TBase, TExp, TBase, PowFunc<TBase, TExp>>(x, (Tensor<TExp>)y, default);
        public Tensor InvokeOther() => throw ElementwiseKernels.Unsupported(y.DataType, "a numeric exponent");
    }

    private readonly struct PowFunc<TBase, TExp> : IBinaryFunc<TBase, TExp, TBase>
        where TBase : unmanaged, INumber<TBase> where TExp : unmanaged, INumber<TExp>
    {
        public TBase Apply(TBase a, TExp b)
        {
            if (!ElementwiseKernels.IsFloat<TBase>() && !ElementwiseKernels.IsFloat<TExp>())
                return IntegerPower(a, long.CreateTruncating(b));
            return TBase.CreateTruncating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b)));
        }
    }
}
