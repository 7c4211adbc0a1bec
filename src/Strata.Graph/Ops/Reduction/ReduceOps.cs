using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>What a Reduce* op combines its group of elements into.</summary>
internal enum ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare }

/// <summary>ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
/// ReduceLogSumExp, ReduceSumSquare: one engine over arbitrary axes (<see cref="ReductionPlan"/>).
/// Floating-point types accumulate in double; integer Sum/Prod/Max/Min/L1/SumSquare/Mean are exact in the element
/// type (wrapping like numpy); integer L2/LogSum/LogSumExp go through double and truncate.
/// The axes are an attribute before opset 13 (ReduceSum) or 18 (the others) and an optional input from then on,
/// where <c>noop_with_empty_axes</c> makes empty axes reduce nothing (each element is its own group, so
/// ReduceSumSquare squares, ReduceL1 takes |x| …).</summary>
internal static class ReduceOps
{
    public static void Register(ExtensionRegistry registry)
    {
        Add(registry, "ReduceSum", ReduceKind.Sum, axesInputSince: 13);
        Add(registry, "ReduceMean", ReduceKind.Mean, 18);
        Add(registry, "ReduceMax", ReduceKind.Max, 18);
        Add(registry, "ReduceMin", ReduceKind.Min, 18);
        Add(registry, "ReduceProd", ReduceKind.Prod, 18);
        Add(registry, "ReduceL1", ReduceKind.L1, 18);
        Add(registry, "ReduceL2", ReduceKind.L2, 18);
        Add(registry, "ReduceLogSum", ReduceKind.LogSum, 18);
        Add(registry, "ReduceLogSumExp", ReduceKind.LogSumExp, 18);
        Add(registry, "ReduceSumSquare", ReduceKind.SumSquare, 18);
    }

    private static void Add(ExtensionRegistry registry, string name, ReduceKind kind, int axesInputSince) =>
        registry.AddOp(new OpSchema("", name,
            c => [InferReduce(c, axesInputSince, c.InputElementType(0))],
            c => [Reduce(c.Input(0), Plan(c, axesInputSince), kind)]));

    /// <summary>The plan for a Reduce* node: axes from the attribute or input, keepdims, noop_with_empty_axes.</summary>
    public static ReductionPlan Plan(OpContext c, int axesInputSince)
    {
        var x = c.Input(0);
        long[]? axes = c.Opset >= axesInputSince
            ? c.HasInput(1) ? TensorConvert.ToInt64s(c.Input(1)) : null
            : c.Ints("axes");
        bool noop = c.Opset >= axesInputSince && c.Int("noop_with_empty_axes", 0) != 0;
        return ReductionPlan.Create(x.Shape, ReductionPlan.MarkAxes(axes, x.Rank, noop), c.Int("keepdims", 1) != 0);
    }

    /// <summary>Static type of a Reduce*-style result: the reduced shape when the axes are known at compile time.</summary>
    public static TensorType? InferReduce(InferenceContext c, int axesInputSince, DataType? elementType)
    {
        var t = c.InputTensor(0);
        if (t is null || elementType is not { } et) return null;
        if (t.Shape is null) return new TensorType(et, null);
        bool keep = c.Node.GetInt("keepdims", 1) != 0;
        long[]? axes;
        if (c.Opset >= axesInputSince)
        {
            axes = null;
            if (c.HasInput(1))
            {
                if (c.ConstantInput(1) is not { } a)
                    return new TensorType(et, keep ? Shape.Of(Enumerable.Repeat(Dim.Unknown, t.Shape.Rank)) : null);
                axes = TensorConvert.ToInt64s(a);
            }
        }
        else axes = c.Node.GetInts("axes");
        bool noop = c.Opset >= axesInputSince && c.Node.GetInt("noop_with_empty_axes", 0) != 0;
        return new TensorType(et, ReductionPlan.ReducedShape(t.Shape, ReductionPlan.MarkAxes(axes, t.Shape.Rank, noop), keep));
    }

    /// <summary>Reduces <paramref name="x"/> as <paramref name="plan"/> says, combining with <paramref name="kind"/>.</summary>
    public static Tensor Reduce(Tensor x, ReductionPlan plan, ReduceKind kind) =>
        NumericDispatch.Invoke<ReduceFunc, Tensor>(x.DataType, new ReduceFunc(x, plan, kind));

    private readonly struct ReduceFunc(Tensor x, ReductionPlan plan, ReduceKind kind) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            var src = ((Tensor<T>)x).Span;
            var y = new Tensor<T>(plan.OutputShape);
            if (x.DataType.IsInteger() && kind is not (ReduceKind.L2 or ReduceKind.LogSum or ReduceKind.LogSumExp))
                ReduceExact<T>(src, y.Span, plan, kind);
            else
                ReduceInDouble<T>(src, y.Span, plan, kind, double.NegativeInfinity, double.PositiveInfinity);
            return y;
        }

        /// <summary>bool (ReduceMax/Min) and bfloat16: through doubles.</summary>
        public Tensor InvokeOther()
        {
            var d = TensorConvert.ToDoubles(x);
            var r = new double[plan.OutputSize];
            bool isBool = x.DataType == DataType.Bool;
            ReduceInDouble<double>(d, r, plan, kind,
                emptyMax: isBool ? 0 : double.NegativeInfinity, emptyMin: isBool ? 1 : double.PositiveInfinity);
            return TensorConvert.FromDoubles(x.DataType, r, plan.OutputShape);
        }
    }

    /// <summary>Every kind with a double accumulator. <paramref name="emptyMax"/>/<paramref name="emptyMin"/> are the
    /// results of Max/Min over an empty group.</summary>
    private static void ReduceInDouble<T>(ReadOnlySpan<T> x, Span<T> y, ReductionPlan plan, ReduceKind kind,
        double emptyMax, double emptyMin) where T : INumberBase<T>
    {
        var outer = plan.Outer;
        var inner = plan.Inner;
        int n = inner.Length;
        for (int o = 0; o < outer.Length; o++)
        {
            int b = outer[o];
            double r;
            switch (kind)
            {
                case ReduceKind.Sum or ReduceKind.Mean or ReduceKind.LogSum:
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += double.CreateTruncating(x[b + inner[k]]);
                    r = kind == ReduceKind.Mean ? s / n : kind == ReduceKind.LogSum ? Math.Log(s) : s;
                    break;
                }
                case ReduceKind.SumSquare or ReduceKind.L2:
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) { double v = double.CreateTruncating(x[b + inner[k]]); s += v * v; }
                    r = kind == ReduceKind.L2 ? Math.Sqrt(s) : s;
                    break;
                }
                case ReduceKind.L1:
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += Math.Abs(double.CreateTruncating(x[b + inner[k]]));
                    r = s;
                    break;
                }
                case ReduceKind.Prod:
                {
                    double p = 1;
                    for (int k = 0; k < n; k++) p *= double.CreateTruncating(x[b + inner[k]]);
                    r = p;
                    break;
                }
                case ReduceKind.Max:
                {
                    r = emptyMax;
                    for (int k = 0; k < n; k++)
                    {
                        double v = double.CreateTruncating(x[b + inner[k]]);
                        if (v > r || double.IsNaN(v)) r = v;
                    }
                    break;
                }
                case ReduceKind.Min:
                {
                    r = emptyMin;
                    for (int k = 0; k < n; k++)
                    {
                        double v = double.CreateTruncating(x[b + inner[k]]);
                        if (v < r || double.IsNaN(v)) r = v;
                    }
                    break;
                }
                case ReduceKind.LogSumExp:
                {
                    double m = double.NegativeInfinity;
                    for (int k = 0; k < n; k++) m = Math.Max(m, double.CreateTruncating(x[b + inner[k]]));
                    double shift = double.IsFinite(m) ? m : 0;
                    double s = 0;
                    for (int k = 0; k < n; k++) s += Math.Exp(double.CreateTruncating(x[b + inner[k]]) - shift);
                    r = Math.Log(s) + shift;
                    break;
                }
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
            y[o] = T.CreateTruncating(r);
        }
    }

    /// <summary>Integer kinds that stay exact in the element type (wrapping on overflow, like numpy).</summary>
    private static void ReduceExact<T>(ReadOnlySpan<T> x, Span<T> y, ReductionPlan plan, ReduceKind kind) where T : INumber<T>
    {
        var outer = plan.Outer;
        var inner = plan.Inner;
        int n = inner.Length;
        for (int o = 0; o < outer.Length; o++)
        {
            int b = outer[o];
            T acc;
            switch (kind)
            {
                case ReduceKind.Sum or ReduceKind.Mean:
                    acc = T.Zero;
                    for (int k = 0; k < n; k++) acc += x[b + inner[k]];
                    if (kind == ReduceKind.Mean) acc = n == 0 ? T.Zero : acc / T.CreateTruncating(n);
                    break;
                case ReduceKind.SumSquare:
                    acc = T.Zero;
                    for (int k = 0; k < n; k++) { var v = x[b + inner[k]]; acc += v * v; }
                    break;
                case ReduceKind.L1:
                    acc = T.Zero;
                    for (int k = 0; k < n; k++) { var v = x[b + inner[k]]; acc += T.IsNegative(v) ? T.Zero - v : v; }
                    break;
                case ReduceKind.Prod:
                    acc = T.One;
                    for (int k = 0; k < n; k++) acc *= x[b + inner[k]];
                    break;
                case ReduceKind.Max:
                    acc = T.CreateSaturating(double.NegativeInfinity);
                    for (int k = 0; k < n; k++) acc = T.Max(acc, x[b + inner[k]]);
                    break;
                case ReduceKind.Min:
                    acc = T.CreateSaturating(double.PositiveInfinity);
                    for (int k = 0; k < n; k++) acc = T.Min(acc, x[b + inner[k]]);
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
            y[o] = acc;
        }
    }
}
