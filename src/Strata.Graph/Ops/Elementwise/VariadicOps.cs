using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Variadic ops with numpy broadcasting over all inputs: Min Max (NaN propagates) Sum Mean. Inputs are
/// folded left to right; one input gives a copy of it.</summary>
internal static class VariadicOps
{
    public static void Register(ExtensionRegistry registry)
    {
        Add(registry, "Min", c => Fold(c, new MinFunc()));
        Add(registry, "Max", c => Fold(c, new MaxFunc()));
        Add(registry, "Sum", c => Fold(c, new SumFunc()));
        Add(registry, "Mean", c =>
        {
            var sum = Fold(c, new SumFunc());
            return c.InputCount == 1 ? sum : ElementwiseKernels.MapNumber(sum, new DivideByFunc(c.InputCount));
        });
    }

    private static void Add(ExtensionRegistry registry, string name, Func<OpContext, Tensor> evaluate) =>
        registry.AddOp(OpSchema.Unary(name, c => Infer.Broadcast(c), evaluate));

    private static Tensor Fold<TOp>(OpContext c, TOp op) where TOp : struct, INumberBinaryFunc
    {
        if (c.InputCount == 0)
            throw c.Error(ErrorCode.MissingInput, "the op needs at least one input", "give the node one or more inputs");
        var acc = c.Input(0);
        if (c.InputCount == 1) return acc.Clone();
        for (int i = 1; i < c.InputCount; i++) acc = ElementwiseKernels.BinaryNumber(acc, c.Input(i), op);
        return acc;
    }

    private readonly struct MinFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || a < b ? a : b;
    }

    private readonly struct MaxFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || a > b ? a : b;
    }

    private readonly struct SumFunc : INumberBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
    }

    private readonly struct DivideByFunc(int n) : INumberUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, INumber<T> => x / T.CreateTruncating(n);
    }
}
