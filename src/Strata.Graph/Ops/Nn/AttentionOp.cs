using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Attention (opsets 23, 24): scaled dot-product attention with multi-head, grouped-query and multi-query
/// heads, 3-D (<c>[batch, seq, heads·size]</c>) or 4-D (<c>[batch, heads, seq, size]</c>) inputs, a KV cache
/// (past_key/past_value concatenated in front of K/V, returned as present_key/present_value), a boolean or additive
/// attn_mask (its last dim may be shorter than the total sequence: the rest is masked), bottom-right aligned causal
/// masking, nonpad_kv_seqlen padding (opset 24), softcap, and the qk_matmul_output debug output (mode 0 raw scores,
/// 1 after softcap, 2 after the mask, 3 the probabilities). A query row whose bias masks every key gives a zero
/// row. Computed in double precision (as the ONNX reference does) and rounded to the output type once.</summary>
internal static class AttentionOp
{
    public static OpSchema Schema => new("", "Attention", InferTypes, Evaluate);

    private static Core.ValueType?[] InferTypes(InferenceContext c)
    {
        var q = c.InputTensor(0);
        var k = c.InputTensor(1);
        var v = c.InputTensor(2);
        if (q is null) return [null, null, null, null];
        var kt = k?.ElementType ?? q.ElementType;
        var vt = v?.ElementType ?? q.ElementType;
        if (q.Shape is null || k?.Shape is null || v?.Shape is null)
            return [new TensorType(q.ElementType, null), new TensorType(kt, null), new TensorType(vt, null), new TensorType(q.ElementType, null)];
        var node = c.Node;
        var past = c.InputTensor(4)?.Shape;
        Dim batch = q.Shape[0], qHeads, qSeq, kvHeads, kvSeq, headSize, vHeadSize;
        if (q.Shape.Rank == 3)
        {
            long qh = node.GetInt("q_num_heads", 0), kh = node.GetInt("kv_num_heads", 0);
            if (qh <= 0 || kh <= 0)
                throw c.Error(ErrorCode.InvalidAttribute, "3-D Attention inputs need q_num_heads and kv_num_heads");
            qHeads = qh; kvHeads = kh;
            qSeq = q.Shape[1]; kvSeq = k.Shape[1];
            headSize = k.Shape[2].Value is long kd ? Dim.Of(kd / kh) : Dim.Unknown;
            vHeadSize = v.Shape[2].Value is long vd ? Dim.Of(vd / kh) : Dim.Unknown;
        }
        else
        {
            qHeads = q.Shape[1]; qSeq = q.Shape[2];
            kvHeads = k.Shape[1]; kvSeq = k.Shape[2];
            headSize = k.Shape[3]; vHeadSize = v.Shape[3];
        }
        Dim total = kvSeq;
        if (c.HasInput(4))
            total = past is not null && past.Rank == 4 && past[2].Value is long p && kvSeq.Value is long s ? Dim.Of(p + s) : Dim.Unknown;
        Dim yLast = q.Shape.Rank == 3
            ? (vHeadSize.Value is long vh && qHeads.Value is long qhh ? Dim.Of(vh * qhh) : Dim.Unknown)
            : vHeadSize;
        var y = q.Shape.Rank == 3 ? Shape.Of(new[] { batch, qSeq, yLast }) : Shape.Of(new[] { batch, qHeads, qSeq, vHeadSize });
        return
        [
            new TensorType(q.ElementType, y),
            new TensorType(kt, Shape.Of(new[] { batch, kvHeads, total, headSize })),
            new TensorType(vt, Shape.Of(new[] { batch, kvHeads, total, vHeadSize })),
            new TensorType(q.ElementType, Shape.Of(new[] { batch, qHeads, qSeq, total })),
        ];
    }

    /// <summary>A [batch, heads, seq, size] view of Q, K or V as doubles.</summary>
    private sealed record Heads(double[] Data, int Batch, int Count, int Seq, int Size)
    {
        public int Offset(int b, int h, int s) => ((b * Count + h) * Seq + s) * Size;
    }

    private static Heads ToHeads(OpContext ctx, Tensor t, int heads, string name)
    {
        var data = TensorConvert.ToDoubles(t);
        if (t.Rank == 4) return new Heads(data, t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]);
        if (t.Rank != 3) throw ctx.Error(ErrorCode.ShapeMismatch, $"Attention {name} must be 3-D or 4-D, got {ShapeMath.Format(t.Shape)}");
        int b = t.Shape[0], s = t.Shape[1], hidden = t.Shape[2];
        if (heads <= 0 || hidden % heads != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Attention {name} hidden size {hidden} is not divisible by {heads} heads",
                "set q_num_heads and kv_num_heads for 3-D inputs");
        int size = hidden / heads;
        var r = new double[data.Length];
        for (int bi = 0; bi < b; bi++)
            for (int si = 0; si < s; si++)
                for (int h = 0; h < heads; h++)
                    Array.Copy(data, (bi * s + si) * hidden + h * size, r, ((bi * heads + h) * s + si) * size, size);
        return new Heads(r, b, heads, s, size);
    }

    /// <summary>Concatenates a past cache [b, h, p, d] in front of <paramref name="cur"/> along the sequence.</summary>
    private static Heads Concat(OpContext ctx, Tensor? past, Heads cur, string name)
    {
        if (past is null) return cur;
        if (past.Rank != 4 || past.Shape[0] != cur.Batch || past.Shape[1] != cur.Count || past.Shape[3] != cur.Size)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Attention {name} has shape {ShapeMath.Format(past.Shape)}, expected [{cur.Batch},{cur.Count},*,{cur.Size}]");
        var p = TensorConvert.ToDoubles(past);
        int ps = past.Shape[2], total = ps + cur.Seq;
        var r = new double[cur.Batch * cur.Count * total * cur.Size];
        for (int bh = 0; bh < cur.Batch * cur.Count; bh++)
        {
            Array.Copy(p, bh * ps * cur.Size, r, bh * total * cur.Size, ps * cur.Size);
            Array.Copy(cur.Data, bh * cur.Seq * cur.Size, r, (bh * total + ps) * cur.Size, cur.Seq * cur.Size);
        }
        return new Heads(r, cur.Batch, cur.Count, total, cur.Size);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RuntimeValue?[] Evaluate(OpContext ctx)
    {
        var qt = ctx.Input(0);
        var kt = ctx.Input(1);
        var vt = ctx.Input(2);
        var maskT = ctx.OptionalInput(3);
        var pastK = ctx.OptionalInput(4);
        var pastV = ctx.OptionalInput(5);
        var nonpadT = ctx.OptionalInput(6);
        foreach (var t in new[] { qt, kt, vt })
            if (!FloatBuffers.IsSupported(t.DataType))
                throw ctx.Error(ErrorCode.UnsupportedDataType, $"Attention does not support {t.DataType.ShortName()}");
        if (qt.Rank != kt.Rank || qt.Rank != vt.Rank)
            throw ctx.Error(ErrorCode.ShapeMismatch, "Attention Q, K and V must have the same rank");
        if ((pastK is null) != (pastV is null))
            throw ctx.Error(ErrorCode.MissingInput, "Attention past_key and past_value must be given together");
        bool is3d = qt.Rank == 3;
        int qHeadsAttr = (int)ctx.Int("q_num_heads", 0), kvHeadsAttr = (int)ctx.Int("kv_num_heads", 0);
        var q = ToHeads(ctx, qt, qHeadsAttr, "Q");
        var k = Concat(ctx, pastK, ToHeads(ctx, kt, kvHeadsAttr, "K"), "past_key");
        var v = Concat(ctx, pastV, ToHeads(ctx, vt, kvHeadsAttr, "V"), "past_value");
        int batch = q.Batch, hq = q.Count, sq = q.Seq, d = q.Size, hkv = k.Count, total = k.Seq, dv = v.Size;
        if (k.Batch != batch || v.Batch != batch || v.Count != hkv || v.Seq != total || k.Size != d)
            throw ctx.Error(ErrorCode.ShapeMismatch, "Attention Q, K, V shapes are inconsistent (batch, kv heads, sequence or head size)");
        if (hkv == 0 || hq % hkv != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Attention needs q heads ({hq}) to be a multiple of kv heads ({hkv})");
        int reps = hq / hkv;

        double scale = ctx.HasAttr("scale") ? ctx.Float("scale", 1f) : 1 / Math.Sqrt(d);
        double softcap = ctx.Float("softcap", 0f);
        bool causal = ctx.Int("is_causal", 0) != 0;
        int mode = (int)ctx.Int("qk_matmul_output_mode", 0);
        if (mode is < 0 or > 3) throw ctx.Error(ErrorCode.InvalidAttribute, $"qk_matmul_output_mode {mode} is not 0–3");
        var softmaxType = ctx.HasAttr("softmax_precision") ? (DataType?)(DataType)ctx.Int("softmax_precision", 1) : null;

        long[]? nonpad = nonpadT is null ? null : TensorConvert.ToInt64s(nonpadT);
        if (nonpad is not null && nonpad.Length != batch)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"nonpad_kv_seqlen must have {batch} values, got {nonpad.Length}");
        var mask = maskT is null ? null : new Mask(ctx, maskT, batch, hq, sq, total);
        int pastLen = pastK?.Shape[2] ?? 0;

        var y = new double[batch * hq * sq * dv];
        bool wantQk = ctx.HasOutput(3);
        var qkOut = wantQk ? new double[batch * hq * sq * total] : null;
        var scores = new double[total];
        var bias = new double[total];
        for (int b = 0; b < batch; b++)
        {
            // Causal frontier: query i sees key j iff j <= i + offset.
            long offset = pastK is not null ? pastLen : nonpad is not null ? nonpad[b] - sq : 0;
            for (int h = 0; h < hq; h++)
            {
                int kh = h / reps;
                for (int i = 0; i < sq; i++)
                {
                    int qo = q.Offset(b, h, i);
                    double biasMax = double.NegativeInfinity;
                    for (int j = 0; j < total; j++)
                    {
                        double s = 0;
                        int ko = k.Offset(b, kh, j);
                        for (int e = 0; e < d; e++) s += q.Data[qo + e] * k.Data[ko + e];
                        s *= scale;
                        double bj = mask?.Bias(b, h, i, j) ?? 0;
                        if (causal && j > i + offset) bj += double.NegativeInfinity;
                        if (nonpad is not null && j >= nonpad[b]) bj += double.NegativeInfinity;
                        bias[j] = bj;
                        if (bj > biasMax || double.IsNaN(bj)) biasMax = bj;
                        if (wantQk && mode == 0) qkOut![((b * hq + h) * sq + i) * total + j] = s;
                        if (softcap > 0) s = softcap * Math.Tanh(s / softcap);
                        if (wantQk && mode == 1) qkOut![((b * hq + h) * sq + i) * total + j] = s;
                        s += bj;
                        if (wantQk && mode == 2) qkOut![((b * hq + h) * sq + i) * total + j] = s;
                        scores[j] = softmaxType is { } st ? FloatBuffers.RoundTo(st, s) : s;
                    }
                    Softmax(scores);
                    if (softmaxType is { } st2)
                        for (int j = 0; j < total; j++) scores[j] = FloatBuffers.RoundTo(st2, scores[j]);
                    if (double.IsNegativeInfinity(biasMax)) Array.Clear(scores);
                    if (wantQk && mode == 3) Array.Copy(scores, 0, qkOut!, ((b * hq + h) * sq + i) * total, total);
                    int yo = ((b * hq + h) * sq + i) * dv;
                    for (int j = 0; j < total; j++)
                    {
                        double p = scores[j];
                        if (p == 0) continue;
                        int vo = v.Offset(b, kh, j);
                        for (int e = 0; e < dv; e++) y[yo + e] += p * v.Data[vo + e];
                    }
                }
            }
        }

        Tensor yt;
        if (is3d)
        {
            // [b, h, s, dv] -> [b, s, h·dv]
            var r = new double[y.Length];
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < hq; h++)
                    for (int i = 0; i < sq; i++)
                        Array.Copy(y, ((b * hq + h) * sq + i) * dv, r, (b * sq + i) * hq * dv + h * dv, dv);
            yt = TensorConvert.FromDoubles(qt.DataType, r, [batch, sq, hq * dv]);
        }
        else yt = TensorConvert.FromDoubles(qt.DataType, y, [batch, hq, sq, dv]);
        return
        [
            yt,
            ctx.HasOutput(1) ? TensorConvert.FromDoubles(kt.DataType, k.Data, [batch, hkv, total, d]) : null,
            ctx.HasOutput(2) ? TensorConvert.FromDoubles(vt.DataType, v.Data, [batch, hkv, total, dv]) : null,
            wantQk ? TensorConvert.FromDoubles(qt.DataType, qkOut!, [batch, hq, sq, total]) : null,
        ];
    }

    /// <summary>In-place softmax; NaN propagates; a row that is all −∞ becomes all zero.</summary>
    public static void Softmax(Span<double> x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) if (v > max || double.IsNaN(v)) max = double.IsNaN(max) ? max : v;
        if (double.IsNegativeInfinity(max)) max = 0;
        double sum = 0;
        for (int j = 0; j < x.Length; j++) sum += x[j] = Math.Exp(x[j] - max);
        if (sum == 0) sum = 1;
        for (int j = 0; j < x.Length; j++) x[j] /= sum;
    }

    /// <summary>attn_mask as an additive bias at [b, h, i, j]: numpy-broadcast to [batch, q_heads, q_seq] in its
    /// leading dims; its last dim is padded (not broadcast) to the total sequence, so positions past it, and false
    /// entries of a boolean mask, are −∞.</summary>
    private sealed class Mask
    {
        private readonly double[] _values;
        private readonly bool _isBool;
        private readonly int[] _strides = new int[4];
        private readonly int _last;

        public Mask(OpContext ctx, Tensor mask, int batch, int heads, int sq, int total)
        {
            if (mask.Rank is < 1 or > 4)
                throw ctx.Error(ErrorCode.ShapeMismatch, $"attn_mask must have rank 1–4, got {ShapeMath.Format(mask.Shape)}");
            _isBool = mask.DataType == DataType.Bool;
            _values = TensorConvert.ToDoubles(mask);
            var shape = new int[4];
            Array.Fill(shape, 1);
            for (int i = 0; i < mask.Rank; i++) shape[4 - mask.Rank + i] = mask.Shape[i];
            int[] target = [batch, heads, sq, total];
            var st = ShapeMath.Strides(shape);
            for (int i = 0; i < 3; i++)
            {
                if (shape[i] != 1 && shape[i] != target[i])
                    throw ctx.Error(ErrorCode.ShapeMismatch, $"attn_mask shape {ShapeMath.Format(mask.Shape)} does not broadcast to [{batch},{heads},{sq},{total}]");
                _strides[i] = shape[i] == 1 ? 0 : st[i];
            }
            _last = shape[3];
            if (_last > total)
                throw ctx.Error(ErrorCode.ShapeMismatch, $"attn_mask last dim {_last} is longer than the total sequence {total}");
            _strides[3] = 1;
        }

        public double Bias(int b, int h, int i, int j)
        {
            if (j >= _last) return double.NegativeInfinity;
            double v = _values[b * _strides[0] + h * _strides[1] + i * _strides[2] + j * _strides[3]];
            return _isBool ? (v != 0 ? 0 : double.NegativeInfinity) : v;
        }
    }
}
