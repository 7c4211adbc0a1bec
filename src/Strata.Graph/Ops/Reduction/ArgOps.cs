using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ArgMax and ArgMin: int64 index of the extreme element along <c>axis</c> (keepdims; select_last_index
/// since opset 12 picks the last of equal extremes). NaN counts as the extreme, as in numpy.</summary>
internal static class ArgOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "ArgMax", c => [Infer(c)], c => [Arg(c, max: true)]));
        registry.AddOp(new OpSchema("", "ArgMin", c => [Infer(c)], c => [Arg(c, max: false)]));
    }

    private static TensorType? Infer(InferenceContext c)
    {
        var shape = c.InputTensor(0)?.Shape;
        if (shape is null) return new TensorType(DataType.Int64, null);
        var reduced = new bool[shape.Rank];
        reduced[ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), shape.Rank)] = true;
        return new TensorType(DataType.Int64, ReductionPlan.ReducedShape(shape, reduced, c.Node.GetInt("keepdims", 1) != 0));
    }

    private static Tensor Arg(OpContext c, bool max)
    {
        var x = c.Input(0);
        if (x.Rank == 0) throw c.Error(ErrorCode.InvalidShape, "ArgMax/ArgMin need an input of rank >= 1");
        var plan = ReductionPlan.Axis(x.Shape, ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank), c.Int("keepdims", 1) != 0);
        if (plan.Count == 0) throw c.Error(ErrorCode.InvalidShape, "ArgMax/ArgMin over an empty axis has no answer");
        bool last = c.Int("select_last_index", 0) != 0;
        var y = new Tensor<long>(plan.OutputShape);
        NumericDispatch.Invoke<ArgFunc, bool>(x.DataType, new ArgFunc(x, plan, y.Span.Length == 0 ? null : y, max, last));
        return y;
    }

    private readonly struct ArgFunc(Tensor x, ReductionPlan plan, Tensor<long>? y, bool max, bool last) : INumericFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, INumber<T>
        {
            if (y is not null) Run<T>(((Tensor<T>)x).Span, y.Span, plan, max, last);
            return true;
        }

        public bool InvokeOther()
        {
            if (y is not null) Run<double>(TensorConvert.ToDoubles(x), y.Span, plan, max, last);
            return true;
        }
    }

    private static void Run<T>(ReadOnlySpan<T> x, Span<long> y, ReductionPlan plan, bool max, bool last) where T : INumber<T>
    {
        var inner = plan.Inner;
        for (int o = 0; o < plan.OutputSize; o++)
        {
            int b = plan.Outer[o];
            int best = 0;
            T bv = x[b + inner[0]];
            for (int k = 1; k < inner.Length && !T.IsNaN(bv); k++)
            {
                T v = x[b + inner[k]];
                bool better = T.IsNaN(v) || (max ? v > bv : v < bv) || (last && v == bv);
                if (better) { best = k; bv = v; }
            }
            if (last && T.IsNaN(bv))
                for (int k = inner.Length - 1; k > best; k--)
                    if (T.IsNaN(x[b + inner[k]])) { best = k; break; }
            y[o] = best;
        }
    }
}
