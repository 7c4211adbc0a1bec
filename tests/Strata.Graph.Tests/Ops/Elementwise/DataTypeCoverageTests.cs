using Strata.Core;
using static Strata.Graph.Tests.Ops.Elementwise.ElementwiseTestKit;

namespace Strata.Graph.Tests.Ops.Elementwise;

/// <summary>Every op on every element type it lists, compared with a double computation on the same (rounded) inputs.</summary>
public class DataTypeCoverageTests
{
    public static readonly DataType[] FloatTypes = [DataType.Float16, DataType.BFloat16, DataType.Float32, DataType.Float64];

    public static readonly DataType[] NumericTypes =
    [
        DataType.Float16, DataType.BFloat16, DataType.Float32, DataType.Float64, DataType.Int8, DataType.Int16, DataType.Int32,
        DataType.Int64, DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64,
    ];

    public static readonly DataType[] IntegerTypes =
    [
        DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64,
    ];

    private static double Tolerance(DataType t) => t switch
    {
        DataType.BFloat16 => 1e-2,
        DataType.Float16 => 2e-3,
        DataType.Float32 => 2e-6,
        DataType.Float64 => 1e-12,
        _ => 0,
    };

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    // Values stay inside each function's domain.
    private static readonly double[] General = [-2.5, -1.25, -0.5, 0, 0.25, 0.75, 1.5, 3];
    private static readonly double[] Unit = [-0.9, -0.5, -0.125, 0, 0.25, 0.5, 0.875];
    private static readonly double[] Positive = [0.125, 0.5, 1, 1.5, 2.25, 4, 10];
    private static readonly double[] AboveOne = [1, 1.25, 2, 3.5, 10];

    public static readonly TheoryData<string, string> FloatUnaryCases = new();

    private static readonly Dictionary<string, (double[] Inputs, Func<double, double> F)> FloatUnary = new()
    {
        ["Reciprocal"] = (Positive, x => 1 / x),
        ["Sqrt"] = (Positive, Math.Sqrt),
        ["Exp"] = (General, Math.Exp),
        ["Log"] = (Positive, Math.Log),
        ["Ceil"] = (General, Math.Ceiling),
        ["Floor"] = (General, Math.Floor),
        ["Round"] = (General, x => Math.Round(x, MidpointRounding.ToEven)),
        ["Erf"] = (General, ErfReference),
        ["Sin"] = (General, Math.Sin),
        ["Cos"] = (General, Math.Cos),
        ["Tan"] = (Unit, Math.Tan),
        ["Asin"] = (Unit, Math.Asin),
        ["Acos"] = (Unit, Math.Acos),
        ["Atan"] = (General, Math.Atan),
        ["Sinh"] = (General, Math.Sinh),
        ["Cosh"] = (General, Math.Cosh),
        ["Asinh"] = (General, Math.Asinh),
        ["Acosh"] = (AboveOne, Math.Acosh),
        ["Atanh"] = (Unit, Math.Atanh),
        ["LeakyRelu"] = (General, x => x < 0 ? 0.01f * x : x),
        ["Elu"] = (General, x => x < 0 ? Math.Exp(x) - 1 : x),
        ["Selu"] = (General, x => 1.05070102214813232421875 * (x <= 0 ? 1.67326319217681884765625 * (Math.Exp(x) - 1) : x)),
        ["Celu"] = (General, x => Math.Max(0, x) + Math.Min(0, Math.Exp(x) - 1)),
        ["Sigmoid"] = (General, Sigmoid),
        ["HardSigmoid"] = (General, x => Math.Clamp(0.2f * x + 0.5, 0, 1)),
        ["HardSwish"] = (General, x => x * Math.Clamp(x / 6 + 0.5, 0, 1)),
        ["Softplus"] = (General, Softplus),
        ["Softsign"] = (General, x => x / (1 + Math.Abs(x))),
        ["Mish"] = (General, x => x * Math.Tanh(Softplus(x))),
        ["Tanh"] = (General, Math.Tanh),
        ["ThresholdedRelu"] = (General, x => x > 1 ? x : 0),
        ["Swish"] = (General, x => x * Sigmoid(x)),
        ["Gelu"] = (General, x => 0.5 * x * (1 + ErfReference(x / Math.Sqrt(2)))),
    };

    static DataTypeCoverageTests()
    {
        foreach (var op in FloatUnary.Keys)
            foreach (var t in FloatTypes) FloatUnaryCases.Add(op, t.ShortName());
    }

    /// <summary>Abramowitz–Stegun 7.1.26 is too coarse; integrate exp(-t²) with Simpson's rule instead.</summary>
    private static double ErfReference(double x)
    {
        const int n = 20000;
        double h = x / n, s = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++) s += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        return 2 / Math.Sqrt(Math.PI) * s * h / 3;
    }

    [Theory]
    [MemberData(nameof(FloatUnaryCases))]
    public void FloatUnaryOpsOnEveryFloatType(string op, string type)
    {
        DataTypes.TryParse(type, out var dt);
        var (inputs, f) = FloatUnary[op];
        var x = TensorConvert.FromDoubles(dt, inputs, [inputs.Length]);
        var rounded = TensorConvert.ToDoubles(x);
        var r = Run(op, x);
        Assert.Equal(dt, r.DataType);
        AssertClose(rounded.Select(f).ToArray(), TensorConvert.ToDoubles(r), Tolerance(dt), atol: Tolerance(dt) * 0.1);
    }

    public static IEnumerable<object[]> NumericTypeNames() => NumericTypes.Select(t => new object[] { t.ShortName() });
    public static IEnumerable<object[]> IntegerTypeNames() => IntegerTypes.Select(t => new object[] { t.ShortName() });

    [Theory]
    [MemberData(nameof(NumericTypeNames))]
    public void ArithmeticOnEveryNumericType(string type)
    {
        DataTypes.TryParse(type, out var dt);
        double[] av = [7, 12, 9, 30, 5, 10], bv = [2, 5, 3, 4, 5, 8];
        var a = TensorConvert.FromDoubles(dt, av, [2, 3]);
        var b = TensorConvert.FromDoubles(dt, bv, [2, 3]);
        var b1 = TensorConvert.FromDoubles(dt, bv[..3], [3]);
        bool isFloat = dt.IsFloatingPoint();
        double tol = Tolerance(dt);

        void Check(string op, Tensor result, Func<double, double, double> f, Tensor rhs)
        {
            Assert.Equal(dt, result.DataType);
            var bs = TensorConvert.ToDoubles(rhs);
            var expected = av.Select((x, i) => f(x, bs[i % bs.Length])).ToArray();
            AssertClose(expected, TensorConvert.ToDoubles(result), tol, atol: 0);
        }

        Check("Add", Run("Add", a, b), (x, y) => x + y, b);
        Check("Add bcast", Run("Add", a, b1), (x, y) => x + y, b1);
        Check("Sub", Run("Sub", a, b), (x, y) => x - y, b);
        Check("Mul", Run("Mul", a, b), (x, y) => x * y, b);
        Check("Div", Run("Div", a, b), (x, y) => isFloat ? x / y : Math.Truncate(x / y), b);
        Check("Mod", RunOp("Mod", [a, b], attributes: Attribute.Of("fmod", isFloat ? 1L : 0L)), (x, y) => x % y, b);
        Check("Min", Run("Min", a, b1), Math.Min, b1);
        Check("Max", Run("Max", a, b), Math.Max, b);
        Check("Sum", Run("Sum", a, b), (x, y) => x + y, b);
        Check("Pow", Run("Pow", a, TensorConvert.FromDoubles(dt, [2, 1, 2, 0, 3, 2], [2, 3])),
            (x, y) => Math.Pow(x, y), TensorConvert.FromDoubles(DataType.Float64, [2, 1, 2, 0, 3, 2], [6]));
        Check("Abs", Run("Abs", a), (x, _) => x, b);
        Check("Sign", Run("Sign", a), (_, _) => 1, b);
        Check("Relu", Run("Relu", a), (x, _) => x, b);
        Check("PRelu", Run("PRelu", a, b1), (x, _) => x, b1);
        Check("Shrink", Run("Shrink", a), (x, _) => x > 0.5 ? x : 0, b);
        Check("Clip", Run("Clip", a, TensorConvert.FromDoubles(dt, [5], []), TensorConvert.FromDoubles(dt, [10], [])),
            (x, _) => Math.Clamp(x, 5, 10), b);
        if (isFloat) Check("Mean", Run("Mean", a, b), (x, y) => (x + y) / 2, b);

        foreach (var (op, f) in new (string, Func<double, double, bool>)[]
                 {
                     ("Equal", (x, y) => x == y), ("Less", (x, y) => x < y), ("Greater", (x, y) => x > y),
                     ("LessOrEqual", (x, y) => x <= y), ("GreaterOrEqual", (x, y) => x >= y),
                 })
        {
            var r = (Tensor<bool>)Run(op, a, b1);
            Assert.Equal(av.Select((x, i) => f(x, bv[i % 3])).ToArray(), r.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(NumericTypeNames))]
    public void NegOnEveryNumericType(string type)
    {
        DataTypes.TryParse(type, out var dt);
        if (dt.IsUnsignedInteger()) return;
        var r = Run("Neg", TensorConvert.FromDoubles(dt, [3, -4, 0], [3]));
        Assert.Equal([-3.0, 4, 0], TensorConvert.ToDoubles(r));
    }

    [Theory]
    [MemberData(nameof(IntegerTypeNames))]
    public void BitwiseOnEveryIntegerType(string type)
    {
        DataTypes.TryParse(type, out var dt);
        var a = TensorConvert.FromDoubles(dt, [12, 10, 7], [3]);
        var b = TensorConvert.FromDoubles(dt, [10, 6, 1], [3]);
        Assert.Equal([8.0, 2, 1], TensorConvert.ToDoubles(Run("BitwiseAnd", a, b)));
        Assert.Equal([14.0, 14, 7], TensorConvert.ToDoubles(Run("BitwiseOr", a, b)));
        Assert.Equal([6.0, 12, 6], TensorConvert.ToDoubles(Run("BitwiseXor", a, b)));
        var not = TensorConvert.ToInt64s(Run("BitwiseNot", a));
        Assert.Equal(dt.IsSignedInteger() ? -13 : (long)(~12UL & (ulong.MaxValue >> (64 - dt.BitWidth()))), not[0]);
        Assert.Equal([48.0, 20, 7], TensorConvert.ToDoubles(RunOp("BitShift", [a, TensorConvert.FromDoubles(dt, [2, 1, 0], [3])],
            attributes: Attribute.Of("direction", "LEFT"))));
        Assert.Equal([3.0, 5, 3], TensorConvert.ToDoubles(RunOp("BitShift", [a, TensorConvert.FromDoubles(dt, [2, 1, 1], [3])],
            attributes: Attribute.Of("direction", "RIGHT"))));
    }

    [Fact]
    public void FloatOnlyOpsRejectIntegers()
    {
        var e = Assert.Throws<StrataException>(() => Run("Sqrt", new Tensor<int>([2])));
        Assert.Equal(ErrorCode.UnsupportedDataType, e.Code);
        e = Assert.Throws<StrataException>(() => Run("BitwiseAnd", new Tensor<float>([2]), new Tensor<float>([2])));
        Assert.Equal(ErrorCode.UnsupportedDataType, e.Code);
    }

    [Fact]
    public void WhereSelectsEveryElementType()
    {
        foreach (var dt in DataTypes.All.Where(t => t.ClrType() is not null))
        {
            var x = Tensor.Zeros(dt, [2, 1]);
            var y = Tensor.Zeros(dt, [3]);
            var r = Run("Where", new Tensor<bool>(new[] { true, false, true }, [3]), x, y);
            Assert.Equal(dt, r.DataType);
            Assert.Equal([2, 3], r.Shape);
        }
    }
}
