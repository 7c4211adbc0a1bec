using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Softmax, LogSoftmax and Hardmax. From opset 13 they work along one <c>axis</c> (default -1); before,
/// the input is seen as a 2-D matrix [prod(dims before axis), prod(dims from axis)] (default axis 1) and each row
/// is normalised. Computed in double with the max subtracted.</summary>
internal static class SoftmaxOps
{
    private enum Kind { Softmax, LogSoftmax, Hardmax }

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "Softmax", c => [Infer.SameAs(c, 0)], c => [Run(c, Kind.Softmax)]));
        registry.AddOp(new OpSchema("", "LogSoftmax", c => [Infer.SameAs(c, 0)], c => [Run(c, Kind.LogSoftmax)]));
        registry.AddOp(new OpSchema("", "Hardmax", c => [Infer.SameAs(c, 0)], c => [Run(c, Kind.Hardmax)]));
    }

    private static Tensor Run(OpContext c, Kind kind)
    {
        var x = c.Input(0);
        var plan = RowPlan(x.Shape, c.Opset, c.Int("axis", c.Opset >= 13 ? -1 : 1));
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        if (kind == Kind.Hardmax) Hardmax(v, y, plan);
        else Softmax(v, y, plan, log: kind == Kind.LogSoftmax);
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    /// <summary>The rows the op normalises, per opset: one axis (13+), or everything from the axis on (before).</summary>
    public static ReductionPlan RowPlan(int[] shape, int opset, long axis)
    {
        if (shape.Length == 0) return ReductionPlan.Create([], [], keepDims: true);
        int a = ShapeMath.NormalizeAxis(axis, shape.Length);
        if (opset >= 13) return ReductionPlan.Axis(shape, a);
        int rows = ShapeMath.Size(shape.AsSpan(0, a)), cols = ShapeMath.Size(shape.AsSpan(a));
        return ReductionPlan.Axis([rows, cols], 1);
    }

    /// <summary>Softmax (or log-softmax) of each group of <paramref name="plan"/>.</summary>
    public static void Softmax(ReadOnlySpan<double> x, Span<double> y, ReductionPlan plan, bool log)
    {
        var inner = plan.Inner;
        foreach (int b in plan.Outer)
        {
            double m = double.NegativeInfinity;
            foreach (int k in inner) m = Math.Max(m, x[b + k]);
            if (double.IsNegativeInfinity(m)) m = 0;
            double s = 0;
            foreach (int k in inner) s += Math.Exp(x[b + k] - m);
            if (log)
            {
                double ls = Math.Log(s);
                foreach (int k in inner) y[b + k] = x[b + k] - m - ls;
            }
            else
                foreach (int k in inner) y[b + k] = Math.Exp(x[b + k] - m) / s;
        }
    }

    private static void Hardmax(ReadOnlySpan<double> x, Span<double> y, ReductionPlan plan)
    {
        var inner = plan.Inner;
        if (inner.Length == 0) return;
        foreach (int b in plan.Outer)
        {
            int best = inner[0];
            foreach (int k in inner)
                if (x[b + k] > x[b + best]) best = k;
            y[b + best] = 1;
        }
    }
}
