using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>Attention (opsets 23, 24) decomposed into Tile computations, in f64 as the reference computes:
/// <code>
/// %scores[b, h, i, j] = sum[e] mul(q[b, h, i, e], k[b, h / reps, j, e])          (grouped-query heads)
/// x = softcap(scores · scale) + bias       bias = attn_mask + causal (−∞ where j &gt; i + offset) + nonpad (−∞ past the length)
/// %rowmax[b, h, i] = max[j] x ;  %rowsum[b, h, i] = sum[j] exp(x − rowmax)
/// %probs[b, h, i, j] = exp(x − rowmax) / rowsum    (0 for a row whose bias masks every key)
/// %out[b, h, i, e] = sum[j] probs · v[b, h / reps, j, e]
/// </code>
/// 3-D inputs ([batch, seq, heads·size]) are viewed as 4-D by index arithmetic; past_key/past_value are concatenated
/// in front of K/V as a select on the sequence index, which is also the present_key/present_value output;
/// nonpad_kv_seqlen is read at run time (a load in the mask expression); qk_matmul_output gives any of its four modes.</summary>
internal static class AttentionLowerings
{
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "Attention", Explained(Attention));
        registry.AddLowering("", "LinearAttention", Explained(LinearAttention));
    }

    /// <summary>Longest sequence LinearAttention is unrolled over (one state temp per token).</summary>
    public const int MaxLinearAttentionSteps = 16;

    /// <summary>A [batch, heads, seq, size] view of Q, K or V: the value itself (4-D), or [b, s, h·size] re-indexed (3-D).</summary>
    private static TileValue? Heads(TileValue t, long heads)
    {
        if (t.Rank == 4) return t;
        if (t.Rank != 3 || heads <= 0 || t.Shape[2] % heads != 0) return null;
        long size = t.Shape[2] / heads;
        return Value(t.Type, [t.Shape[0], heads, t.Shape[1], size], i => t.At(i[0], i[2], IAdd(IMul(i[1], size), i[3])));
    }

    /// <summary>The past cache [b, h, p, d] concatenated in front of <paramref name="cur"/> along the sequence.</summary>
    private static TileValue? Concat(TileValue? past, TileValue cur)
    {
        if (past is null) return cur;
        if (past.Type != cur.Type || past.Rank != 4 || past.Shape[0] != cur.Shape[0] || past.Shape[1] != cur.Shape[1] || past.Shape[3] != cur.Shape[3])
            return null;
        long p = past.Shape[2];
        return Value(cur.Type, [cur.Shape[0], cur.Shape[1], p + cur.Shape[2], cur.Shape[3]], i =>
            Sel(Bin(BinaryOp.Lt, i[2], Ix(p)), past.At(i), cur.At(i[0], i[1], ISub(i[2], p), i[3])));
    }

    private static IReadOnlyList<TileValue?>? Attention(TileLoweringContext c)
    {
        var node = c.Node;
        var qt = c.Input(0);
        var kt = c.Input(1);
        var vt = c.Input(2);
        if (!IsFloat(qt.Type) || !IsFloat(kt.Type) || !IsFloat(vt.Type) || qt.Rank != kt.Rank || qt.Rank != vt.Rank) return null;
        var pastKIn = c.HasInput(4) ? c.Input(4) : null;
        var pastVIn = c.HasInput(5) ? c.Input(5) : null;
        if ((pastKIn is null) != (pastVIn is null)) return null;
        bool is3d = qt.Rank == 3;
        long qHeads = node.GetInt("q_num_heads", 0), kvHeads = node.GetInt("kv_num_heads", 0);
        if (Heads(qt, qHeads) is not { } q || Heads(kt, kvHeads) is not { } kCur || Heads(vt, kvHeads) is not { } vCur) return null;
        if (Concat(pastKIn, kCur) is not { } k || Concat(pastVIn, vCur) is not { } v) return null;
        long batch = q.Shape[0], hq = q.Shape[1], sq = q.Shape[2], d = q.Shape[3];
        long hkv = k.Shape[1], total = k.Shape[2], dv = v.Shape[3];
        if (k.Shape[0] != batch || v.Shape[0] != batch || v.Shape[1] != hkv || v.Shape[2] != total || k.Shape[3] != d) return null;
        if (hkv == 0 || hq % hkv != 0) return null;
        long reps = hq / hkv;

        double scale = node.Attr("scale") is not null ? node.GetFloat("scale", 1f) : 1 / Math.Sqrt(d);
        double softcap = node.GetFloat("softcap", 0f);
        bool causal = node.GetInt("is_causal", 0) != 0;
        long mode = node.GetInt("qk_matmul_output_mode", 0);
        if (mode is < 0 or > 3) return null;
        DataType? softmaxType = node.Attr("softmax_precision") is not null ? (DataType)node.GetInt("softmax_precision", 1) : null;
        if (softmaxType is { } st0 && !IsFloat(st0)) return null;

        TileValue? nonpad = null;
        if (c.HasInput(6))
        {
            nonpad = c.Input(6);
            if (!nonpad.Type.IsInteger() || nonpad.Rank != 1 || nonpad.Shape[0] != batch) return null;
        }
        TileValue? mask = null;
        long[] maskShape = [1, 1, 1, 1];
        if (c.HasInput(3))
        {
            mask = c.Input(3);
            if (mask.Rank is < 1 or > 4) return null;
            for (int i = 0; i < mask.Rank; i++) maskShape[4 - mask.Rank + i] = mask.Shape[i];
            long[] target = [batch, hq, sq, total];
            for (int i = 0; i < 3; i++)
                if (maskShape[i] != 1 && maskShape[i] != target[i]) return null;
            if (maskShape[3] > total) return null;
        }
        long pastLen = pastKIn?.Shape[2] ?? 0;
        var kb = c.Builder;
        var negInf = C(double.NegativeInfinity, F64T);
        var zero = C(0, F64T);
        Expr Round(Expr x) => softmaxType is { } st ? RoundVia(x, st) : x;

        ImmutableArray<long> scoreShape = [batch, hq, sq, total];
        string[] scoreHints = ["b", "h", "i", "j"];
        var dot = kb.Reduce(ReduceOp.Sum, scoreShape, [d],
            (o, r) => Mul(F64(q.At(o[0], o[1], o[2], r[0])), F64(k.At(o[0], IDiv(o[1], reps), o[3], r[0]))),
            "scores", scoreHints, ["e"]);
        Expr Scaled(IReadOnlyList<Expr> o) => Mul(dot.At(o), C(scale, F64T));
        Expr Capped(IReadOnlyList<Expr> o) =>
            softcap > 0 ? Mul(C(softcap, F64T), Un(UnaryOp.Tanh, Div(Scaled(o), C(softcap, F64T)))) : Scaled(o);

        // The additive bias at [b, h, i, j]: the mask (padded with −∞ past its last dim), causal and nonpad masking.
        Expr? Bias(IReadOnlyList<Expr> o)
        {
            Expr? bias = null;
            if (mask is not null)
            {
                var mi = new Expr[4];
                for (int i = 0; i < 3; i++) mi[i] = maskShape[i] == 1 ? Ix(0) : o[i];
                mi[3] = o[3];
                var mv = mask.At(mi.Skip(4 - mask.Rank).ToArray());
                var term = mask.Type == DataType.Bool ? Sel(mv, zero, negInf) : F64(mv);
                bias = maskShape[3] < total ? Sel(Bin(BinaryOp.Lt, o[3], Ix(maskShape[3])), term, negInf) : term;
            }
            if (causal)
            {
                Expr offset = pastKIn is not null ? Ix(pastLen) : nonpad is not null ? ISub(To(nonpad.At(o[0]), DataType.Int64), sq) : Ix(0);
                var term = Sel(Bin(BinaryOp.Gt, o[3], IAdd(o[2], offset)), negInf, zero);
                bias = bias is null ? term : Add(bias, term);
            }
            if (nonpad is not null)
            {
                var term = Sel(Bin(BinaryOp.Ge, o[3], To(nonpad.At(o[0]), DataType.Int64)), negInf, zero);
                bias = bias is null ? term : Add(bias, term);
            }
            return bias;
        }
        Expr Biased(IReadOnlyList<Expr> o) => Bias(o) is { } b ? Add(Capped(o), b) : Capped(o);
        Expr X(IReadOnlyList<Expr> o) => Round(Biased(o));

        ImmutableArray<long> rowShape = [batch, hq, sq];
        string[] rowHints = ["b", "h", "i"];
        Expr[] Row(IReadOnlyList<Expr> o) => [o[0], o[1], o[2]];
        // Causal masking alone always leaves key 0 visible; a mask or nonpad lengths can hide a whole row.
        bool mayMaskRow = mask is not null || nonpad is not null;
        var biasMax = mayMaskRow ? kb.Reduce(ReduceOp.Max, rowShape, [total], (o, r) => Bias([.. o, r[0]])!, "biasmax", rowHints, ["j"]) : null;
        var rowMax = kb.Reduce(ReduceOp.Max, rowShape, [total], (o, r) => X([.. o, r[0]]), "rowmax", rowHints, ["j"]);
        Expr M(IReadOnlyList<Expr> row)
        {
            var m = rowMax.At(row);
            return Sel(Un(UnaryOp.IsNegInf, m), zero, m);
        }
        var rowSum = kb.Reduce(ReduceOp.Sum, rowShape, [total], (o, r) => Un(UnaryOp.Exp, Sub(X([.. o, r[0]]), M(o))), "rowsum", rowHints, ["j"]);
        var probs = kb.Materialize(Value(F64T, scoreShape, o =>
        {
            var row = Row(o);
            var s = rowSum.At(row);
            var p = Round(Div(Un(UnaryOp.Exp, Sub(X(o), M(row))), Sel(Eq(s, zero), C(1, F64T), s)));
            return biasMax is null ? p : Sel(Un(UnaryOp.IsNegInf, biasMax.At(row)), zero, p);
        }), "probs");
        var y = kb.Reduce(ReduceOp.Sum, [batch, hq, sq, dv], [total], (o, r) =>
        {
            var p = probs.At(o[0], o[1], o[2], r[0]);
            return Sel(Eq(p, zero), zero, Mul(p, F64(v.At(o[0], IDiv(o[1], reps), r[0], o[3]))));
        }, "out", ["b", "h", "i", "e"], ["j"]);

        var result = new TileValue?[node.Outputs.Length];
        var outT = qt.Type;
        result[0] = is3d
            ? Value(outT, [batch, sq, hq * dv], o => To(y.At(o[0], IDiv(o[2], dv), o[1], IMod(o[2], dv)), outT))
            : Value(outT, y.Shape, o => To(y.At(o), outT));
        bool Wants(int i) => i < node.Outputs.Length && node.Outputs[i] is not null;
        if (Wants(1)) result[1] = k;
        if (Wants(2)) result[2] = v;
        if (Wants(3))
            result[3] = Value(outT, scoreShape, o => To(mode switch
            {
                0 => Scaled(o),
                1 => Capped(o),
                2 => Biased(o),
                _ => probs.At(o),
            }, outT));
        return result;
    }

    /// <summary>LinearAttention (opset 27), its recurrence unrolled over the (short, static) sequence: per token t a
    /// state temp <c>%state{t}[b, h, d, e] = S·g + k[d]·v'[e]</c> with S the previous state, g = exp(decay) for the gated
    /// rules and v' = β·(v − Σ_d S[d, e]·k[d]) for the delta rules (a reduction), and the output
    /// <c>%out[b, t, c] = scale · sum[d] q[d] · state_t[d, e]</c>, the state picked by a select on t. Null for
    /// sequences longer than <see cref="MaxLinearAttentionSteps"/>.</summary>
    private static IReadOnlyList<TileValue?>? LinearAttention(TileLoweringContext c)
    {
        var node = c.Node;
        var q = c.Input(0);
        var k = c.Input(1);
        var v = c.Input(2);
        var past = c.HasInput(3) ? c.Input(3) : null;
        var decay = c.HasInput(4) ? c.Input(4) : null;
        var beta = c.HasInput(5) ? c.Input(5) : null;
        var rule = node.GetString("update_rule", "gated_delta");
        if (rule is not ("linear" or "gated" or "delta" or "gated_delta")) return null;
        bool gated = rule is "gated" or "gated_delta", delta = rule is "delta" or "gated_delta";
        if (gated != (decay is not null) || delta != (beta is not null)) return null;
        long hq = node.GetInt("q_num_heads", 0), hkv = node.GetInt("kv_num_heads", 0);
        if (hq <= 0 || hkv <= 0 || hq % hkv != 0) return null;
        if (new[] { q, k, v }.Any(t => t.Rank != 3 || !IsFloat(t.Type))) return null;
        long batch = q.Shape[0], len = q.Shape[1];
        if (k.Shape[0] != batch || v.Shape[0] != batch || k.Shape[1] != len || v.Shape[1] != len) return null;
        if (q.Shape[2] % hq != 0 || k.Shape[2] % hkv != 0 || v.Shape[2] % hkv != 0) return null;
        long dk = q.Shape[2] / hq, dv = v.Shape[2] / hkv, group = hq / hkv;
        if (k.Shape[2] / hkv != dk) return null;
        if (len > MaxLinearAttentionSteps) return c.Decline($"the sequence ({len}) is longer than the {MaxLinearAttentionSteps} steps the recurrence is unrolled over");
        long decayLast = decay?.Shape[^1] ?? 0, betaLast = beta?.Shape[^1] ?? 0;
        if (decay is not null && (decay.Rank != 3 || !IsFloat(decay.Type) || decay.Shape[0] != batch || decay.Shape[1] != len || (decayLast != hkv && decayLast != hkv * dk))) return null;
        if (beta is not null && (beta.Rank != 3 || !IsFloat(beta.Type) || beta.Shape[0] != batch || beta.Shape[1] != len || (betaLast != hkv && betaLast != 1))) return null;
        if (past is not null && (!IsFloat(past.Type) || !past.Shape.SequenceEqual([batch, hkv, dk, dv]))) return null;
        double scale = node.GetFloat("scale", 0f);
        if (scale == 0) scale = 1 / Math.Sqrt(dk);
        var kb = c.Builder;
        ImmutableArray<long> stateShape = [batch, hkv, dk, dv];
        string[] stateHints = ["b", "h", "d", "e"];

        // s[b, h, d, e] of the state after each token (before the first: past_state or zeros).
        var state = past is null ? Value(F64T, stateShape, _ => C(0, F64T)) : Value(F64T, stateShape, i => F64(past.At(i)));
        var states = new List<TileValue>();
        for (long t = 0; t < len; t++)
        {
            var prev = state;
            var decayed = decay is null ? prev : Value(F64T, stateShape, i =>
                Mul(prev.At(i), Un(UnaryOp.Exp, F64(decay.At(i[0], Ix(t), decayLast == hkv ? i[1] : IAdd(IMul(i[1], dk), i[2]))))));
            Expr K(Expr b, Expr h, Expr d) => F64(k.At(b, Ix(t), IAdd(IMul(h, dk), d)));
            Expr V(Expr b, Expr h, Expr e) => F64(v.At(b, Ix(t), IAdd(IMul(h, dv), e)));
            Func<IReadOnlyList<Expr>, Expr> update = i => V(i[0], i[1], i[3]);
            if (beta is not null)
            {
                var retrieved = kb.Reduce(ReduceOp.Sum, [batch, hkv, dv], [dk],
                    (o, r) => Mul(decayed.At(o[0], o[1], r[0], o[2]), K(o[0], o[1], r[0])), "retrieved" + t, ["b", "h", "e"], ["d"]);
                update = i => Mul(F64(beta.At(i[0], Ix(t), betaLast == 1 ? Ix(0) : i[1])), Sub(V(i[0], i[1], i[3]), retrieved.At(i[0], i[1], i[3])));
            }
            state = kb.Materialize(Value(F64T, stateShape, i => Add(decayed.At(i), Mul(K(i[0], i[1], i[2]), update(i)))), "state" + t);
            states.Add(state);
        }

        // out[b, t, hq·dv]: scale · Σ_d q[b, t, qh·dk + d] · state_t[b, qh / group, d, e].
        var result = new TileValue?[node.Outputs.Length];
        if (len > 0)
        {
            var y = kb.Reduce(ReduceOp.Sum, [batch, len, hq, dv], [dk], (o, r) =>
            {
                Expr[] si = [o[0], IDiv(o[2], group), r[0], o[3]];
                Expr s = states[^1].At(si);
                for (int t = states.Count - 2; t >= 0; t--) s = Sel(Eq(o[1], Ix(t)), states[t].At(si), s);
                return Mul(F64(q.At(o[0], o[1], IAdd(IMul(o[2], dk), r[0]))), s);
            }, "out", ["b", "t", "h", "e"], ["d"]);
            result[0] = Value(q.Type, [batch, len, hq * dv], o => To(Mul(C(scale, F64T), y.At(o[0], o[1], IDiv(o[2], dv), IMod(o[2], dv))), q.Type));
        }
        else result[0] = Value(q.Type, [batch, 0, hq * dv], _ => C(0, q.Type));
        var stateType = past?.Type ?? q.Type;
        if (result.Length > 1 && node.Outputs[1] is not null) result[1] = Value(stateType, stateShape, i => To(state.At(i), stateType));
        return result;
    }
}
