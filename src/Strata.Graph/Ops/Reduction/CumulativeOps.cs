using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>CumSum (opset 11, 14) and CumProd (opset 26): running sum/product along the axis given as input 1
/// (a scalar or one-element int32/int64 tensor); <c>exclusive</c> leaves out the element itself, <c>reverse</c>
/// runs from the end. Floating-point types accumulate in double, integers exactly in their own type.</summary>
internal static class CumulativeOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "CumSum", c => [Infer.SameAs(c, 0)], c => [Scan(c, product: false)]));
        registry.AddOp(new OpSchema("", "CumProd", c => [Infer.SameAs(c, 0)], c => [Scan(c, product: true)]));
    }

    private static Tensor Scan(OpContext c, bool product)
    {
        var x = c.Input(0);
        var axisValues = TensorConvert.ToInt64s(c.Input(1));
        if (axisValues.Length != 1)
            throw c.Error(ErrorCode.InvalidShape, $"the axis input must hold one value, it has {axisValues.Length}",
                "pass the axis as a scalar or a one-element tensor");
        if (x.Rank == 0) throw c.Error(ErrorCode.InvalidShape, "the input must have rank >= 1");
        var plan = ReductionPlan.Axis(x.Shape, ShapeMath.NormalizeAxis(axisValues[0], x.Rank));
        var options = new ScanOptions(product, c.Int("exclusive", 0) != 0, c.Int("reverse", 0) != 0);
        return NumericDispatch.Invoke<ScanFunc, Tensor>(x.DataType, new ScanFunc(x, plan, options));
    }

    private readonly record struct ScanOptions(bool Product, bool Exclusive, bool Reverse);

    private readonly struct ScanFunc(Tensor x, ReductionPlan plan, ScanOptions options) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            var y = new Tensor<T>(x.Shape);
            var src = ((Tensor<T>)x).Span;
            if (x.DataType.IsFloatingPoint()) Run<T, double>(src, y.Span, plan, options);
            else Run<T, T>(src, y.Span, plan, options);
            return y;
        }

        public Tensor InvokeOther()
        {
            if (x.DataType != DataType.BFloat16)
                throw new StrataException(ErrorCode.UnsupportedDataType, $"CumSum/CumProd do not support {x.DataType}",
                    "use a numeric input type");
            var y = new double[x.Length];
            Run<double, double>(TensorConvert.ToDoubles(x), y, plan, options);
            return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
        }
    }

    private static void Run<T, TAcc>(ReadOnlySpan<T> x, Span<T> y, ReductionPlan plan, ScanOptions options)
        where T : INumberBase<T> where TAcc : INumberBase<TAcc>
    {
        var inner = plan.Inner;
        int n = inner.Length;
        for (int o = 0; o < plan.OutputSize; o++)
        {
            int b = plan.Outer[o];
            TAcc acc = options.Product ? TAcc.One : TAcc.Zero;
            for (int j = 0; j < n; j++)
            {
                int i = b + inner[options.Reverse ? n - 1 - j : j];
                TAcc v = TAcc.CreateTruncating(x[i]);
                if (!options.Exclusive) acc = options.Product ? acc * v : acc + v;
                y[i] = T.CreateTruncating(acc);
                if (options.Exclusive) acc = options.Product ? acc * v : acc + v;
            }
        }
    }
}
