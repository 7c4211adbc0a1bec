using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Unary math: Abs Neg Sign (every numeric type); Reciprocal Sqrt Exp Log Ceil Floor Round Erf and the
/// trigonometric and hyperbolic functions (floating-point types); IsNaN and IsInf (floating-point types, bool result).</summary>
internal static class UnaryMathOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddNumberUnary("Abs", _ => new AbsFunc());
        registry.AddNumberUnary("Neg", _ => new NegFunc());
        registry.AddNumberUnary("Sign", _ => new SignFunc());

        registry.AddFloatUnary("Reciprocal", _ => new ReciprocalFunc());
        registry.AddFloatUnary("Sqrt", _ => new SqrtFunc());
        registry.AddFloatUnary("Exp", _ => new ExpFunc());
        registry.AddFloatUnary("Log", _ => new LogFunc());
        registry.AddFloatUnary("Ceil", _ => new CeilFunc());
        registry.AddFloatUnary("Floor", _ => new FloorFunc());
        registry.AddFloatUnary("Round", _ => new RoundFunc());
        registry.AddFloatUnary("Erf", _ => new ErfFunc());
        registry.AddFloatUnary("Sin", _ => new SinFunc());
        registry.AddFloatUnary("Cos", _ => new CosFunc());
        registry.AddFloatUnary("Tan", _ => new TanFunc());
        registry.AddFloatUnary("Asin", _ => new AsinFunc());
        registry.AddFloatUnary("Acos", _ => new AcosFunc());
        registry.AddFloatUnary("Atan", _ => new AtanFunc());
        registry.AddFloatUnary("Sinh", _ => new SinhFunc());
        registry.AddFloatUnary("Cosh", _ => new CoshFunc());
        registry.AddFloatUnary("Asinh", _ => new AsinhFunc());
        registry.AddFloatUnary("Acosh", _ => new AcoshFunc());
        registry.AddFloatUnary("Atanh", _ => new AtanhFunc());

        registry.AddOp(OpSchema.Unary("IsNaN", c => Infer.Broadcast(c, DataType.Bool),
            c => ElementwiseKernels.TestFloat(c.Input(0), new IsNaNTest())));
        registry.AddOp(OpSchema.Unary("IsInf", c => Infer.Broadcast(c, DataType.Bool),
            c => ElementwiseKernels.TestFloat(c.Input(0),
                new IsInfTest(c.Int("detect_positive", 1) != 0, c.Int("detect_negative", 1) != 0))));
    }

    /// <summary>The error function, accurate to a few ulps of double.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): positive terms, no cancellation.
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 0; term > sum * 1e-17; n++)
            {
                term *= 2 * x2 / (2 * n + 3);
                sum += term;
            }
            r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
        }
        else if (ax < 6)
        {
            // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
            double t = ax;
            for (int k = 120; k >= 1; k--) t = ax + k / 2.0 / t;
            r = 1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / t;
        }
        else r = 1;
        return x < 0 ? -r : r;
    }

    private readonly struct AbsFunc : INumberUnaryFunc
    {
        // -x wraps for the most negative integer, as numpy does; T.Abs would throw.
        public T Apply<T>(T x) where T : unmanaged, INumber<T> => T.IsNegative(x) ? -x : x;
    }

    private readonly struct NegFunc : INumberUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, INumber<T> => -x;
    }

    private readonly struct SignFunc : INumberUnaryFunc
    {
        // NaN and zero map to themselves (T.Sign throws on NaN).
        public T Apply<T>(T x) where T : unmanaged, INumber<T> => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
    }

    private readonly struct ReciprocalFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / x;
    }

    private readonly struct SqrtFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
    }

    private readonly struct ExpFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
    }

    private readonly struct LogFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
    }

    private readonly struct CeilFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Ceiling(x);
    }

    private readonly struct FloorFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Floor(x);
    }

    private readonly struct RoundFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Round(x, MidpointRounding.ToEven);
    }

    private readonly struct ErfFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(Erf(double.CreateTruncating(x)));
    }

    private readonly struct SinFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sin(x);
    }

    private readonly struct CosFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cos(x);
    }

    private readonly struct TanFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tan(x);
    }

    private readonly struct AsinFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Asin(x);
    }

    private readonly struct AcosFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Acos(x);
    }

    private readonly struct AtanFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Atan(x);
    }

    private readonly struct SinhFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sinh(x);
    }

    private readonly struct CoshFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cosh(x);
    }

    private readonly struct AsinhFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Asinh(x);
    }

    private readonly struct AcoshFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Acosh(x);
    }

    private readonly struct AtanhFunc : IFloatUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Atanh(x);
    }

    private readonly struct IsNaNTest : IFloatPredicate
    {
        public bool Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(x);
    }

    private readonly struct IsInfTest(bool positive, bool negative) : IFloatPredicate
    {
        public bool Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
            positive && T.IsPositiveInfinity(x) || negative && T.IsNegativeInfinity(x);
    }
}
