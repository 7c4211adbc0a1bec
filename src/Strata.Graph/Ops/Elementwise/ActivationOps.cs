using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Activation functions. Relu, PRelu, Shrink and Clip take every numeric type; the others are defined on
/// floating-point types (float16 and bfloat16 compute through float).</summary>
internal static class ActivationOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddNumberUnary("Relu", _ => new ReluFunc());
        registry.AddNumberBinary("PRelu", _ => new PReluFunc());
        registry.AddNumberUnary("Shrink", c => new ShrinkFunc(c.Float("bias", 0f), c.Float("lambd", 0.5f)));
        registry.AddOp(OpSchema.Unary("Clip", c => Infer.SameAs(c, 0), Clip));

        registry.AddFloatUnary("LeakyRelu", c => new LeakyReluFunc(c.Float("alpha", 0.01f)));
        registry.AddFloatUnary("Elu", c => new EluFunc(c.Float("alpha", 1f)));
        registry.AddFloatUnary("Selu", c => new SeluFunc(c.Float("alpha", 1.67326319217681884765625f), c.Float("gamma", 1.05070102214813232421875f)));
        registry.AddFloatUnary("Celu", c => new CeluFunc(c.Float("alpha", 1f)));
        registry.AddFloatUnary("Sigmoid", _ => new SigmoidFunc());
        registry.AddFloatUnary("HardSigmoid", c => new HardSigmoidFunc(c.Float("alpha", 0.2f), c.Float("beta", 0.5f)));
        registry.AddFloatUnary("HardSwish", _ => new HardSwishFunc());
        registry.AddFloatUnary("Softplus", _ => new SoftplusFunc());
        registry.AddFloatUnary("Softsign", _ => new SoftsignFunc());
        registry.AddFloatUnary("Mish", _ => new MishFunc());
        registry.AddFloatUnary("Tanh", _ => new TanhFunc());
        registry.AddFloatUnary("ThresholdedRelu", c => new ThresholdedReluFunc(c.Float("alpha", 1f)));
        registry.AddFloatUnary("Swish", c => new SwishFunc(c.Float("alpha", 1f)));
        registry.AddFloatUnary("Gelu", c => c.String("approximate", "none") switch
        {
            "none" => new GeluFunc(tanh: false),
            "tanh" => new GeluFunc(tanh: true),
            var a => throw c.Error(ErrorCode.InvalidAttribute, $"Gelu approximate='{a}' is not 'none' or 'tanh'",
                "set approximate to \"none\" or \"tanh\""),
        });
    }

    /// <summary>Clip: opset &lt; 11 takes float attributes min/max; later opsets take optional scalar inputs.
    /// Values below min become min, then values above max become max (so min &gt; max gives max).</summary>
    private static Tensor Clip(OpContext c)
    {
        var x = c.Input(0);
        Tensor? min, max;
        if (c.Opset < 11)
        {
            min = c.HasAttr("min") ? Tensor<float>.Scalar(c.Float("min", 0f)) : null;
            max = c.HasAttr("max") ? Tensor<float>.Scalar(c.Float("max", 0f)) : null;
            if (x is not Tensor<float>)
            {
                min = min is null ? null : CastScalar(min, x.DataType);
                max = max is null ? null : CastScalar(max, x.DataType);
            }
        }
        else
        {
            min = Bound(c, 1, x);
            max = Bound(c, 2, x);
        }
        if (x is Tensor<BFloat16>)
        {
            var r = NumericDispatch.Invoke<ClipOp, Tensor>(DataType.Float32, new ClipOp(ElementwiseKernels.ToFloat(x),
                min is null ? null : ElementwiseKernels.ToFloat(min), max is null ? null : ElementwiseKernels.ToFloat(max)));
            return ElementwiseKernels.FromFloat(r, x.DataType);
        }
        return NumericDispatch.Invoke<ClipOp, Tensor>(x.DataType, new ClipOp(x, min, max));
    }

    private static Tensor? Bound(OpContext c, int i, Tensor x)
    {
        var t = c.OptionalInput(i);
        if (t is null) return null;
        if (t.Length != 1)
            throw c.Error(ErrorCode.InvalidShape, $"Clip bound (input {i}) must be a scalar, got shape {ShapeMath.Format(t.Shape)}",
                "pass min and max as scalars (or omit them)");
        ElementwiseKernels.RequireSameType(x, t);
        return t;
    }

    private static Tensor CastScalar(Tensor scalar, DataType type) =>
        TensorConvert.FromDoubles(type, TensorConvert.ToDoubles(scalar), []);

    private readonly struct ClipOp(Tensor x, Tensor? min, Tensor? max) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T> =>
            ElementwiseKernels.Map<T, T, ClipFunc<T>>((Tensor<T>)x, new ClipFunc<T>(
                min is null ? T.Zero : ((Tensor<T>)min)[0], max is null ? T.Zero : ((Tensor<T>)max)[0], min is not null, max is not null));
        public Tensor InvokeOther() => throw ElementwiseKernels.Unsupported(x.DataType, "a numeric type");
    }

    private readonly struct ClipFunc<T>(T lo, T hi, bool hasLo, bool hasHi) : IUnaryFunc<T, T> where T : INumber<T>
    {
        public T Apply(T x)
        {
            if (hasLo && x < lo) x = lo;
            if (hasHi && x > hi) x = hi;
            return x;
        }
    }

    private readonly struct ReluFunc : INumberUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, INumber<T> => x < T.Zero ? T.Zero : x;
    }

    private readonly struct PReluFunc : INumberBinaryFunc
    {
        public T Apply<T>(T x, T slope) where T : unmanaged, INumber<T> => x < T.Zero ? x * slope : x;
    }

    /// <summary>Computed in double and converted, so integer inputs work as numpy's <c>astype</c> does.</summary>
    private readonly struct ShrinkFunc(float bias, float lambd) : INumberUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, INumber<T>
        {
            double v = double.CreateTruncating(x);
            if (v < -lambd) return T.CreateTruncating(v + bias);
            if (v > lambd) return T.CreateTruncating(v - bias);
            return T.Zero;
        }
    }

    private readonly struct LeakyReluFunc(float alpha) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.CreateTruncating(alpha) * x : x;
    }

    private readonly struct EluFunc(float alpha) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
            x < T.Zero ? T.CreateTruncating(alpha) * (T.Exp(x) - T.One) : x;
    }

    private readonly struct SeluFunc(float alpha, float gamma) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T a = T.CreateTruncating(alpha), g = T.CreateTruncating(gamma);
            return x <= T.Zero ? g * (a * T.Exp(x) - a) : g * x;
        }
    }

    private readonly struct CeluFunc(float alpha) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T a = T.CreateTruncating(alpha);
            return T.Max(T.Zero, x) + T.Min(T.Zero, a * (T.Exp(x / a) - T.One));
        }
    }

    private readonly struct SigmoidFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Sigmoid(x);
    }

    private static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T>
    {
        if (x >= T.Zero) return T.One / (T.One + T.Exp(-x));
        T e = T.Exp(x);
        return e / (T.One + e);
    }

    private static T Softplus<T>(T x) where T : IFloatingPointIeee754<T> =>
        T.Max(x, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));

    private readonly struct HardSigmoidFunc(float alpha, float beta) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
            T.Max(T.Zero, T.Min(T.One, T.CreateTruncating(alpha) * x + T.CreateTruncating(beta)));
    }

    private readonly struct HardSwishFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
            x * T.Max(T.Zero, T.Min(T.One, T.CreateTruncating(1.0 / 6) * x + T.CreateTruncating(0.5)));
    }

    private readonly struct SoftplusFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Softplus(x);
    }

    private readonly struct SoftsignFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x / (T.One + T.Abs(x));
    }

    private readonly struct MishFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * T.Tanh(Softplus(x));
    }

    private readonly struct TanhFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    }

    private readonly struct ThresholdedReluFunc(float alpha) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.CreateTruncating(alpha) ? x : T.Zero;
    }

    private readonly struct SwishFunc(float alpha) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * Sigmoid(T.CreateTruncating(alpha) * x);
    }

    /// <summary>Computed in double: 0.5·x·(1 + erf(x/√2)), or with the tanh approximation.</summary>
    private readonly struct GeluFunc(bool tanh) : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            double v = double.CreateTruncating(x);
            double r = tanh
                ? 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))
                : 0.5 * v * (1 + UnaryMathOps.Erf(v / Math.Sqrt(2)));
            return T.CreateTruncating(r);
        }
    }
}
