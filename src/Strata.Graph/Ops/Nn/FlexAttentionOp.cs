using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.preview::FlexAttention (version 1): scaled dot-product attention over rank-4 inputs with
/// optional modifier subgraphs: <c>score_mod</c> rewrites the whole score tensor [B, Hq, Lq, Lkv] before the softmax
/// (e.g. masks as −∞, biases, soft caps) and <c>prob_mod</c> rewrites the probabilities after it. Scores and
/// probabilities are in the softmax precision (softmax_precision, else f64 for f64 inputs and f32 otherwise); query
/// head h uses KV head ⌊h / (Hq/Hkv)⌋.</summary>
internal static class FlexAttentionOp
{
    public static OpSchema Schema => new("ai.onnx.preview", "FlexAttention", InferTypes, Evaluate);

    private static Core.ValueType?[] InferTypes(InferenceContext c)
    {
        var q = c.InputTensor(0);
        var v = c.InputTensor(2);
        if (q is null || v is null) return [null];
        if (q.Shape is not { Rank: 4 } qs || v.Shape is not { Rank: 4 } vs) return [new TensorType(v.ElementType, null)];
        return [new TensorType(v.ElementType, Shape.Of(new[] { qs[0], qs[1], qs[2], vs[3] }))];
    }

    private static RuntimeValue?[] Evaluate(OpContext ctx)
    {
        var qt = ctx.Input(0);
        var kt = ctx.Input(1);
        var vt = ctx.Input(2);
        if (qt.Rank != 4 || kt.Rank != 4 || vt.Rank != 4)
            throw ctx.Error(ErrorCode.ShapeMismatch, "FlexAttention needs rank-4 Q, K and V");
        int batch = qt.Shape[0], hq = qt.Shape[1], lq = qt.Shape[2], e = qt.Shape[3];
        int hkv = kt.Shape[1], lkv = kt.Shape[2], ev = vt.Shape[3];
        if (kt.Shape[0] != batch || vt.Shape[0] != batch || vt.Shape[1] != hkv || vt.Shape[2] != lkv || kt.Shape[3] != e)
            throw ctx.Error(ErrorCode.ShapeMismatch, "FlexAttention Q, K, V shapes are inconsistent");
        if (hkv == 0 || hq % hkv != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"q heads ({hq}) must be a multiple of kv heads ({hkv})");
        int group = hq / hkv;
        var softmaxType = ctx.HasAttr("softmax_precision") ? (DataType)ctx.Int("softmax_precision", 1)
            : qt.DataType == DataType.Float64 ? DataType.Float64 : DataType.Float32;
        if (!FloatBuffers.IsSupported(softmaxType))
            throw ctx.Error(ErrorCode.InvalidAttribute, $"softmax_precision {softmaxType} is not a float type");
        double scale = ctx.HasAttr("scale") ? ctx.Float("scale", 1f) : 1 / Math.Sqrt(e);
        var q = TensorConvert.ToDoubles(qt);
        var k = TensorConvert.ToDoubles(kt);
        var v = TensorConvert.ToDoubles(vt);

        var scores = new double[batch * hq * lq * lkv];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < hq; h++)
                for (int i = 0; i < lq; i++)
                    for (int j = 0; j < lkv; j++)
                    {
                        int qo = ((b * hq + h) * lq + i) * e, ko = ((b * hkv + h / group) * lkv + j) * e;
                        double s = 0;
                        for (int d = 0; d < e; d++) s += q[qo + d] * k[ko + d];
                        scores[((b * hq + h) * lq + i) * lkv + j] = s * scale;
                    }
        int[] shape = [batch, hq, lq, lkv];
        scores = Modify(ctx, "score_mod", scores, softmaxType, shape);
        for (int r = 0; r < batch * hq * lq; r++)
        {
            var row = scores.AsSpan(r * lkv, lkv);
            double max = double.NegativeInfinity;
            foreach (var x in row) if (x > max || double.IsNaN(x)) max = double.IsNaN(max) ? max : x;
            double sum = 0;
            for (int j = 0; j < lkv; j++) sum += row[j] = Math.Exp(row[j] - max);
            for (int j = 0; j < lkv; j++) row[j] /= sum;
        }
        var probs = Modify(ctx, "prob_mod", scores, softmaxType, shape);
        var y = new double[batch * hq * lq * ev];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < hq; h++)
                for (int i = 0; i < lq; i++)
                {
                    int po = ((b * hq + h) * lq + i) * lkv, yo = ((b * hq + h) * lq + i) * ev;
                    for (int j = 0; j < lkv; j++)
                    {
                        double p = probs[po + j];
                        int vo = ((b * hkv + h / group) * lkv + j) * ev;
                        for (int d = 0; d < ev; d++) y[yo + d] += p * v[vo + d];
                    }
                }
        return [TensorConvert.FromDoubles(vt.DataType, y, [batch, hq, lq, ev])];
    }

    /// <summary>Runs the modifier subgraph <paramref name="name"/> (if the node has it) on the tensor in the
    /// softmax precision; returns its single output as doubles of the same shape.</summary>
    private static double[] Modify(OpContext ctx, string name, double[] values, DataType type, int[] shape)
    {
        var graph = ctx.GraphAttr(name);
        var input = TensorConvert.FromDoubles(type, values, shape);
        if (graph is null) return TensorConvert.ToDoubles(input);
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw ctx.Error(ErrorCode.InvalidAttribute, $"{name} must take one input and produce one output");
        var outs = ctx.RunSubgraph(graph, [input]);
        if (outs[0] is not Tensor r || !r.Shape.AsSpan().SequenceEqual(shape))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"{name} must return a tensor of shape {ShapeMath.Format(shape)}");
        return TensorConvert.ToDoubles(r);
    }
}
