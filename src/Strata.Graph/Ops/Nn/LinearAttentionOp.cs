using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>LinearAttention (opset 27): the recurrent form of linear attention over packed [B, T, H·D] inputs with a
/// state S [B, H_kv, d_k, d_v]. Per token: gated rules decay S by exp(g_t) (per head or per key dim); delta rules
/// replace v_t by β_t·(v_t − Sᵀk_t); then S += k_t ⊗ v_t and o_t = scale·q_tᵀS (query heads share KV heads in groups).
/// update_rule is 'linear', 'gated', 'delta' or 'gated_delta' (default).</summary>
internal static class LinearAttentionOp
{
    public static OpSchema Schema => new("", "LinearAttention", InferTypes, Evaluate);

    private static Core.ValueType?[] InferTypes(InferenceContext c)
    {
        var q = c.InputTensor(0);
        var k = c.InputTensor(1);
        var v = c.InputTensor(2);
        if (q is null) return [null, null];
        var stateType = c.InputElementType(3) ?? q.ElementType;
        long qh = c.Node.GetInt("q_num_heads", 0), kh = c.Node.GetInt("kv_num_heads", 0);
        if (q.Shape is not { Rank: 3 } qs || k?.Shape is not { Rank: 3 } ks || v?.Shape is not { Rank: 3 } vs || qh <= 0 || kh <= 0)
            return [new TensorType(q.ElementType, null), new TensorType(stateType, null)];
        Dim dk = ks[2].Value is long kd ? Dim.Of(kd / kh) : Dim.Unknown;
        Dim dv = vs[2].Value is long vd ? Dim.Of(vd / kh) : Dim.Unknown;
        Dim outLast = dv.Value is long dvv ? Dim.Of(dvv * qh) : Dim.Unknown;
        return
        [
            new TensorType(q.ElementType, Shape.Of(new[] { qs[0], qs[1], outLast })),
            new TensorType(stateType, Shape.Of(new[] { qs[0], Dim.Of(kh), dk, dv })),
        ];
    }

    private static RuntimeValue?[] Evaluate(OpContext ctx)
    {
        var qt = ctx.Input(0);
        var kt = ctx.Input(1);
        var vt = ctx.Input(2);
        var pastT = ctx.OptionalInput(3);
        var decayT = ctx.OptionalInput(4);
        var betaT = ctx.OptionalInput(5);
        var rule = ctx.String("update_rule", "gated_delta");
        if (rule is not ("linear" or "gated" or "delta" or "gated_delta"))
            throw ctx.Error(ErrorCode.InvalidAttribute, $"update_rule '{rule}' is not one of linear, gated, delta, gated_delta");
        int hq = (int)ctx.Int("q_num_heads", 0), hkv = (int)ctx.Int("kv_num_heads", 0);
        if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
            throw ctx.Error(ErrorCode.InvalidAttribute, $"q_num_heads ({hq}) must be a positive multiple of kv_num_heads ({hkv})");
        bool gated = rule is "gated" or "gated_delta", delta = rule is "delta" or "gated_delta";
        if (gated != (decayT is not null))
            throw ctx.Error(ErrorCode.MissingInput, $"update_rule '{rule}' {(gated ? "requires" : "forbids")} the decay input");
        if (delta != (betaT is not null))
            throw ctx.Error(ErrorCode.MissingInput, $"update_rule '{rule}' {(delta ? "requires" : "forbids")} the beta input");
        foreach (var t in new[] { qt, kt, vt })
            if (t.Rank != 3) throw ctx.Error(ErrorCode.ShapeMismatch, $"LinearAttention query/key/value must be [B, T, H·D], got {ShapeMath.Format(t.Shape)}");
        int batch = qt.Shape[0], len = qt.Shape[1];
        if (qt.Shape[2] % hq != 0 || kt.Shape[2] % hkv != 0 || vt.Shape[2] % hkv != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch, "LinearAttention hidden sizes must be divisible by the head counts");
        int dk = qt.Shape[2] / hq, dv = vt.Shape[2] / hkv, group = hq / hkv;
        if (kt.Shape[2] / hkv != dk) throw ctx.Error(ErrorCode.ShapeMismatch, "query and key head sizes differ");
        double scale = ctx.Float("scale", 0f);
        if (scale == 0) scale = 1 / Math.Sqrt(dk);

        var q = TensorConvert.ToDoubles(qt);
        var k = TensorConvert.ToDoubles(kt);
        var v = TensorConvert.ToDoubles(vt);
        var decay = decayT is null ? null : TensorConvert.ToDoubles(decayT);
        var beta = betaT is null ? null : TensorConvert.ToDoubles(betaT);
        int decayLast = decayT?.Shape[^1] ?? 0, betaLast = betaT?.Shape[^1] ?? 0;
        if (decayT is not null && (decayT.Rank != 3 || (decayLast != hkv && decayLast != hkv * dk)))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"decay must be [B, T, {hkv}] or [B, T, {hkv * dk}]");
        if (betaT is not null && (betaT.Rank != 3 || (betaLast != hkv && betaLast != 1)))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"beta must be [B, T, {hkv}] or [B, T, 1]");
        var state = new double[batch * hkv * dk * dv];
        if (pastT is not null)
        {
            if (pastT.Rank != 4 || pastT.Shape[0] != batch || pastT.Shape[1] != hkv || pastT.Shape[2] != dk || pastT.Shape[3] != dv)
                throw ctx.Error(ErrorCode.ShapeMismatch, $"past_state must be [{batch},{hkv},{dk},{dv}], got {ShapeMath.Format(pastT.Shape)}");
            state = TensorConvert.ToDoubles(pastT);
        }
        var y = new double[batch * len * hq * dv];
        var vt2 = new double[dv];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < len; t++)
            {
                int bt = b * len + t;
                for (int h = 0; h < hkv; h++)
                {
                    int so = (b * hkv + h) * dk * dv;
                    int ko = bt * hkv * dk + h * dk, vo = bt * hkv * dv + h * dv;
                    if (decay is not null)
                        for (int d = 0; d < dk; d++)
                        {
                            double g = Math.Exp(decayLast == hkv ? decay[bt * hkv + h] : decay[bt * hkv * dk + h * dk + d]);
                            for (int e = 0; e < dv; e++) state[so + d * dv + e] *= g;
                        }
                    for (int e = 0; e < dv; e++) vt2[e] = v[vo + e];
                    if (beta is not null)
                    {
                        double bv = beta[bt * betaLast + (betaLast == 1 ? 0 : h)];
                        for (int e = 0; e < dv; e++)
                        {
                            double retrieved = 0;
                            for (int d = 0; d < dk; d++) retrieved += state[so + d * dv + e] * k[ko + d];
                            vt2[e] = bv * (vt2[e] - retrieved);
                        }
                    }
                    for (int d = 0; d < dk; d++)
                        for (int e = 0; e < dv; e++) state[so + d * dv + e] += k[ko + d] * vt2[e];
                    for (int r = 0; r < group; r++)
                    {
                        int qhIdx = h * group + r;
                        int qo = bt * hq * dk + qhIdx * dk, yo = bt * hq * dv + qhIdx * dv;
                        for (int e = 0; e < dv; e++)
                        {
                            double s = 0;
                            for (int d = 0; d < dk; d++) s += q[qo + d] * state[so + d * dv + e];
                            y[yo + e] = scale * s;
                        }
                    }
                }
            }
        var stateType = pastT?.DataType ?? qt.DataType;
        return
        [
            TensorConvert.FromDoubles(qt.DataType, y, [batch, len, hq * dv]),
            TensorConvert.FromDoubles(stateType, state, [batch, hkv, dk, dv]),
        ];
    }
}
