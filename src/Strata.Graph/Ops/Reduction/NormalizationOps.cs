using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Normalizations that standardise groups of elements: LayerNormalization, RMSNormalization,
/// GroupNormalization, InstanceNormalization, MeanVarianceNormalization, LpNormalization and LRN. Each group is a
/// <see cref="ReductionPlan"/> row; statistics are computed in double. (BatchNormalization has its own file.)</summary>
internal static class NormalizationOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "LayerNormalization", InferLayerNorm, LayerNorm));
        registry.AddOp(OpSchema.Unary("RMSNormalization", c => Infer.SameAs(c, 0), RmsNorm));
        registry.AddOp(OpSchema.Unary("GroupNormalization", c => Infer.SameAs(c, 0), GroupNorm));
        registry.AddOp(OpSchema.Unary("InstanceNormalization", c => Infer.SameAs(c, 0), InstanceNorm));
        registry.AddOp(OpSchema.Unary("MeanVarianceNormalization", c => Infer.SameAs(c, 0), MeanVarianceNorm));
        registry.AddOp(OpSchema.Unary("LpNormalization", c => Infer.SameAs(c, 0), LpNorm));
        registry.AddOp(OpSchema.Unary("LRN", c => Infer.SameAs(c, 0), Lrn));
    }

    // ---- LayerNormalization (opset 17): Y, Mean, InvStdDev over the axes [axis, rank) ----

    private static Core.ValueType?[] InferLayerNorm(InferenceContext c)
    {
        var x = c.InputTensor(0);
        var stash = (DataType)c.Node.GetInt("stash_type", 1);
        Core.ValueType? stats = null;
        if (x?.Shape is { } s)
        {
            int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", -1), s.Rank);
            var reduced = new bool[s.Rank];
            for (int i = axis; i < s.Rank; i++) reduced[i] = true;
            stats = new TensorType(stash, ReductionPlan.ReducedShape(s, reduced, keepDims: true));
        }
        else if (x is not null) stats = new TensorType(stash, null);
        return [x, stats, stats];
    }

    private static RuntimeValue?[] LayerNorm(OpContext c)
    {
        var x = c.Input(0);
        var plan = ReductionPlan.Trailing(x.Shape, ShapeMath.NormalizeAxis(c.Int("axis", -1), x.Rank));
        double eps = c.Float("epsilon", 1e-5f);
        var v = TensorConvert.ToDoubles(x);
        var scale = ExpandTo(c, 1, x.Shape);
        var bias = ExpandTo(c, 2, x.Shape);
        var y = new double[v.Length];
        var mean = new double[plan.OutputSize];
        var invStd = new double[plan.OutputSize];
        for (int o = 0; o < plan.OutputSize; o++)
        {
            int b = plan.Outer[o];
            var (m, variance) = MeanVariance(v, b, plan.Inner);
            double inv = 1 / Math.Sqrt(variance + eps);
            foreach (int k in plan.Inner)
            {
                int i = b + k;
                y[i] = (v[i] - m) * inv * (scale?[i] ?? 1) + (bias?[i] ?? 0);
            }
            mean[o] = m;
            invStd[o] = inv;
        }
        var stash = (DataType)c.Int("stash_type", 1);
        return
        [
            TensorConvert.FromDoubles(x.DataType, y, x.Shape),
            c.HasOutput(1) ? TensorConvert.FromDoubles(stash, mean, plan.OutputShape) : null,
            c.HasOutput(2) ? TensorConvert.FromDoubles(stash, invStd, plan.OutputShape) : null,
        ];
    }

    // ---- RMSNormalization (opset 23): X / sqrt(mean(X^2) + epsilon) * scale over the axes [axis, rank) ----

    private static Tensor RmsNorm(OpContext c)
    {
        var x = c.Input(0);
        var plan = ReductionPlan.Trailing(x.Shape, ShapeMath.NormalizeAxis(c.Int("axis", -1), x.Rank));
        double eps = c.Float("epsilon", 1e-5f);
        var v = TensorConvert.ToDoubles(x);
        var scale = ExpandTo(c, 1, x.Shape);
        var y = new double[v.Length];
        foreach (int b in plan.Outer)
        {
            double s = 0;
            foreach (int k in plan.Inner) s += v[b + k] * v[b + k];
            double inv = 1 / Math.Sqrt(s / plan.Count + eps);
            foreach (int k in plan.Inner) y[b + k] = v[b + k] * inv * (scale?[b + k] ?? 1);
        }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- GroupNormalization (opset 18: scale/bias per group; 21: per channel) ----

    private static Tensor GroupNorm(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"the input must be [N, C, ...], it is {ShapeMath.Format(x.Shape)}");
        int n = x.Shape[0], channels = x.Shape[1], spatial = ShapeMath.Size(x.Shape.AsSpan(2));
        int groups = checked((int)c.Int("num_groups", 0));
        if (groups <= 0 || channels % groups != 0)
            throw c.Error(ErrorCode.InvalidAttribute, $"num_groups {groups} must be positive and divide the {channels} channels");
        double eps = c.Float("epsilon", 1e-5f);
        var scale = TensorConvert.ToDoubles(c.Input(1));
        var bias = TensorConvert.ToDoubles(c.Input(2));
        int perGroup = channels / groups;
        // Opset 18 gives one scale/bias per group, opset 21 one per channel.
        bool perChannel = scale.Length == channels && bias.Length == channels;
        if (!perChannel && (scale.Length != groups || bias.Length != groups))
            throw c.Error(ErrorCode.ShapeMismatch, $"scale and bias must have {channels} (channels) or {groups} (groups) elements");
        var plan = ReductionPlan.Axis([n, groups, perGroup * spatial], 2);
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        for (int o = 0; o < plan.OutputSize; o++)
        {
            int b = plan.Outer[o];
            var (m, variance) = MeanVariance(v, b, plan.Inner);
            double inv = 1 / Math.Sqrt(variance + eps);
            foreach (int k in plan.Inner)
            {
                int p = perChannel ? (o % groups) * perGroup + k / spatial : o % groups;
                y[b + k] = (v[b + k] - m) * inv * scale[p] + bias[p];
            }
        }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- InstanceNormalization: per (n, c) over the spatial dims ----

    private static Tensor InstanceNorm(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"the input must be [N, C, ...], it is {ShapeMath.Format(x.Shape)}");
        int channels = x.Shape[1];
        double eps = c.Float("epsilon", 1e-5f);
        var scale = TensorConvert.ToDoubles(c.Input(1));
        var bias = TensorConvert.ToDoubles(c.Input(2));
        if (scale.Length != channels || bias.Length != channels)
            throw c.Error(ErrorCode.ShapeMismatch, $"scale and B must have one element per channel ({channels})");
        var plan = ReductionPlan.Axis([x.Shape[0], channels, ShapeMath.Size(x.Shape.AsSpan(2))], 2);
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        for (int o = 0; o < plan.OutputSize; o++)
        {
            int b = plan.Outer[o], ch = o % channels;
            var (m, variance) = MeanVariance(v, b, plan.Inner);
            double a = scale[ch] / Math.Sqrt(variance + eps);
            foreach (int k in plan.Inner) y[b + k] = (v[b + k] - m) * a + bias[ch];
        }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- MeanVarianceNormalization: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9) over axes (default [0, 2, 3]) ----

    private static Tensor MeanVarianceNorm(OpContext c)
    {
        var x = c.Input(0);
        var axes = c.Ints("axes") ?? [0, 2, 3];
        var plan = ReductionPlan.Create(x.Shape, ReductionPlan.MarkAxes(axes, x.Rank, noopWhenEmpty: false), keepDims: true);
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        foreach (int b in plan.Outer)
        {
            double s = 0, sq = 0;
            foreach (int k in plan.Inner) { s += v[b + k]; sq += v[b + k] * v[b + k]; }
            double m = s / plan.Count;
            double std = Math.Sqrt(Math.Max(0, sq / plan.Count - m * m));
            foreach (int k in plan.Inner) y[b + k] = (v[b + k] - m) / (std + 1e-9);
        }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- LpNormalization: X / ||X||_p along axis (p = 1 or 2); a zero vector stays zero ----

    private static Tensor LpNorm(OpContext c)
    {
        var x = c.Input(0);
        long p = c.Int("p", 2);
        if (p is not (1 or 2)) throw c.Error(ErrorCode.InvalidAttribute, $"p must be 1 or 2, it is {p}");
        var plan = ReductionPlan.Axis(x.Shape, ShapeMath.NormalizeAxis(c.Int("axis", -1), x.Rank));
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        foreach (int b in plan.Outer)
        {
            double s = 0;
            foreach (int k in plan.Inner) s += p == 1 ? Math.Abs(v[b + k]) : v[b + k] * v[b + k];
            double norm = p == 1 ? s : Math.Sqrt(s);
            foreach (int k in plan.Inner) y[b + k] = norm == 0 ? 0 : v[b + k] / norm;
        }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- LRN: X / (bias + alpha / size * sum of squares over a window of channels) ^ beta ----

    private static Tensor Lrn(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Error(ErrorCode.InvalidShape, $"the input must be [N, C, ...], it is {ShapeMath.Format(x.Shape)}");
        long size = c.Int("size", 0);
        if (size <= 0) throw c.Error(ErrorCode.InvalidAttribute, "the size attribute is required and must be positive");
        double alpha = c.Float("alpha", 1e-4f), beta = c.Float("beta", 0.75f), bias = c.Float("bias", 1f);
        int n = x.Shape[0], channels = x.Shape[1], spatial = ShapeMath.Size(x.Shape.AsSpan(2));
        int before = (int)((size - 1) / 2), after = (int)(size - 1 - before);
        var v = TensorConvert.ToDoubles(x);
        var y = new double[v.Length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < channels; ch++)
            {
                int lo = Math.Max(0, ch - before), hi = Math.Min(channels - 1, ch + after);
                for (int s = 0; s < spatial; s++)
                {
                    double sq = 0;
                    for (int j = lo; j <= hi; j++)
                    {
                        double e = v[(b * channels + j) * spatial + s];
                        sq += e * e;
                    }
                    int i = (b * channels + ch) * spatial + s;
                    y[i] = v[i] / Math.Pow(bias + alpha / size * sq, beta);
                }
            }
        return TensorConvert.FromDoubles(x.DataType, y, x.Shape);
    }

    // ---- helpers ----

    /// <summary>Mean and (biased) variance of the group at <paramref name="b"/> + <paramref name="inner"/>.</summary>
    internal static (double Mean, double Variance) MeanVariance(ReadOnlySpan<double> v, int b, int[] inner)
    {
        double s = 0;
        foreach (int k in inner) s += v[b + k];
        double m = s / inner.Length;
        double ss = 0;
        foreach (int k in inner) { double d = v[b + k] - m; ss += d * d; }
        return (m, ss / inner.Length);
    }

    /// <summary>Optional input <paramref name="i"/> as doubles, broadcast (unidirectionally) to <paramref name="shape"/>;
    /// null when the input is omitted.</summary>
    internal static double[]? ExpandTo(OpContext c, int i, int[] shape)
    {
        if (c.OptionalInput(i) is not { } t) return null;
        var d = TensorConvert.ToDoubles(t);
        if (t.Shape.AsSpan().SequenceEqual(shape)) return d;
        if (!ShapeMath.Broadcast(shape, t.Shape).AsSpan().SequenceEqual(shape))
            throw c.Error(ErrorCode.ShapeMismatch,
                $"input {i} of shape {ShapeMath.Format(t.Shape)} does not broadcast to {ShapeMath.Format(shape)}");
        var map = ShapeMath.BroadcastIndexMap(t.Shape, shape);
        var r = new double[map.Length];
        for (int k = 0; k < r.Length; k++) r[k] = d[map[k]];
        return r;
    }
}
