using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Comparisons with numpy broadcasting, giving bool: Equal (numeric types, bool and string), Less, Greater,
/// LessOrEqual, GreaterOrEqual (numeric types). NaN compares unequal to everything, as in IEEE 754.</summary>
internal static class ComparisonOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Equal", c => ElementwiseOps.InferBinary(c, DataType.Bool), c => Equal(c.Input(0), ElementwiseOps.RightOperand(c))));
        Add(registry, "Less", new LessFunc());
        Add(registry, "Greater", new GreaterFunc());
        Add(registry, "LessOrEqual", new LessOrEqualFunc());
        Add(registry, "GreaterOrEqual", new GreaterOrEqualFunc());
    }

    private static void Add<TOp>(ExtensionRegistry registry, string name, TOp op) where TOp : struct, INumberComparison =>
        registry.AddOp(OpSchema.Unary(name, c => ElementwiseOps.InferBinary(c, DataType.Bool),
            c => ElementwiseKernels.CompareNumber(c.Input(0), ElementwiseOps.RightOperand(c), op)));

    private static Tensor<bool> Equal(Tensor a, Tensor b)
    {
        ElementwiseKernels.RequireSameType(a, b);
        return a switch
        {
            Tensor<bool> x => ElementwiseKernels.Binary<bool, bool, bool, ExactEqualFunc<bool>>(x, (Tensor<bool>)b, default),
            Tensor<string> x => ElementwiseKernels.Binary<string, string, bool, ExactEqualFunc<string>>(x, (Tensor<string>)b, default),
            _ => ElementwiseKernels.CompareNumber(a, b, new EqualFunc()),
        };
    }

    private readonly struct ExactEqualFunc<T> : IBinaryFunc<T, T, bool>
    {
        public bool Apply(T a, T b) => EqualityComparer<T>.Default.Equals(a, b);
    }

    private readonly struct EqualFunc : INumberComparison
    {
        public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a == b;
    }

    private readonly struct LessFunc : INumberComparison
    {
        public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a < b;
    }

    private readonly struct GreaterFunc : INumberComparison
    {
        public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a > b;
    }

    private readonly struct LessOrEqualFunc : INumberComparison
    {
        public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a <= b;
    }

    private readonly struct GreaterOrEqualFunc : INumberComparison
    {
        public bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a >= b;
    }
}
