using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

/// <summary>RotaryEmbedding, SwiGLU, LinearAttention and CausalConvWithState against direct formulas.</summary>
public class SequenceOpTests
{
    [Fact]
    public void Rotary_embedding_rotates_pairs_by_position()
    {
        var rng = new Random(4);
        int b = 2, h = 2, s = 3, d = 6, maxPos = 10;
        var x = NnHarness.Random(rng, b, h, s, d);
        var angles = new double[maxPos * (d / 2)];
        for (int p = 0; p < maxPos; p++) for (int i = 0; i < d / 2; i++) angles[p * (d / 2) + i] = p * Math.Pow(10, -i);
        var cos = new Tensor<float>([maxPos, d / 2]);
        var sin = new Tensor<float>([maxPos, d / 2]);
        for (int i = 0; i < angles.Length; i++) { cos[i] = (float)Math.Cos(angles[i]); sin[i] = (float)Math.Sin(angles[i]); }
        var pos = Tensor<long>.FromArray([3, 1, 4, 1, 5, 9], b, s);
        foreach (bool interleaved in new[] { false, true })
        {
            var y = NnHarness.Run("RotaryEmbedding", [x, cos, sin, pos], 1, 23, Attribute.Of("interleaved", interleaved ? 1L : 0L))[0];
            var expected = new double[x.Length];
            for (int bi = 0; bi < b; bi++) for (int hi = 0; hi < h; hi++) for (int si = 0; si < s; si++)
                    {
                        int o = ((bi * h + hi) * s + si) * d;
                        long p = pos[bi * s + si];
                        for (int i = 0; i < d / 2; i++)
                        {
                            int i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + d / 2;
                            double a = angles[p * (d / 2) + i];
                            expected[o + i1] = x[o + i1] * Math.Cos(a) - x[o + i2] * Math.Sin(a);
                            expected[o + i2] = x[o + i1] * Math.Sin(a) + x[o + i2] * Math.Cos(a);
                        }
                    }
            NnHarness.AssertClose(expected, y, 1e-5);
        }
    }

    [Fact]
    public void Swiglu_is_swish_gate_times_value()
    {
        var a = Tensor<double>.FromArray([-2, -0.5, 0, 1.5], 2, 2);
        var b = Tensor<double>.FromArray([1, 2, 3, 4], 2, 2);
        var y = NnHarness.Run("SwiGLU", [a, b], 1, 28, Attribute.Of("alpha", 0.5f))[0];
        NnHarness.AssertClose(a.ToArray().Zip(b.ToArray(), (p, q) => p / (1 + Math.Exp(-0.5 * p)) * q).ToArray(), y, 1e-12);
        Assert.Throws<StrataException>(() => NnHarness.Run("SwiGLU", [a, Tensor<double>.FromArray([1, 2], 2)], 1, 28));
    }

    [Fact]
    public void Linear_attention_linear_rule_is_a_running_sum_of_outer_products()
    {
        var rng = new Random(8);
        int b = 1, t = 4, hq = 4, hkv = 2, dk = 3, dv = 2;
        var q = NnHarness.Random(rng, b, t, hq * dk);
        var k = NnHarness.Random(rng, b, t, hkv * dk);
        var v = NnHarness.Random(rng, b, t, hkv * dv);
        var r = NnHarness.Run("LinearAttention", [q, k, v], 2, 27, Attribute.Of("update_rule", "linear"),
            Attribute.Of("q_num_heads", (long)hq), Attribute.Of("kv_num_heads", (long)hkv));
        var expected = new double[t * hq * dv];
        double scale = 1 / Math.Sqrt(dk);
        for (int ti = 0; ti < t; ti++)
            for (int h = 0; h < hq; h++)
            {
                int kh = h / (hq / hkv);
                for (int e = 0; e < dv; e++)
                {
                    double s = 0;
                    for (int u = 0; u <= ti; u++)
                        for (int d = 0; d < dk; d++)
                            s += q[ti * hq * dk + h * dk + d] * k[u * hkv * dk + kh * dk + d] * v[u * hkv * dv + kh * dv + e];
                    expected[ti * hq * dv + h * dv + e] = scale * s;
                }
            }
        NnHarness.AssertClose(expected, r[0], 1e-5);
        Assert.Equal(new[] { 1, hkv, dk, dv }, r[1].Shape);
    }

    [Fact]
    public void Linear_attention_state_carries_across_calls()
    {
        var rng = new Random(3);
        int t = 4;
        var q = NnHarness.Random(rng, 1, t, 8);
        var k = NnHarness.Random(rng, 1, t, 8);
        var v = NnHarness.Random(rng, 1, t, 8);
        var decay = NnHarness.Random(rng, 1, t, 2);
        var beta = NnHarness.Random(rng, 1, t, 2);
        Attribute[] attrs = [Attribute.Of("q_num_heads", 2L), Attribute.Of("kv_num_heads", 2L)];
        var full = NnHarness.Run("LinearAttention", [q, k, v, null, decay, beta], 2, 27, attrs);
        static Tensor<float> Slice(Tensor<float> x, int t0, int t1)
        {
            int w = x.Shape[2];
            return Tensor<float>.FromArray(x.ToArray()[(t0 * w)..(t1 * w)], 1, t1 - t0, w);
        }
        var first = NnHarness.Run("LinearAttention", [Slice(q, 0, 2), Slice(k, 0, 2), Slice(v, 0, 2), null, Slice(decay, 0, 2), Slice(beta, 0, 2)], 2, 27, attrs);
        var second = NnHarness.Run("LinearAttention", [Slice(q, 2, 4), Slice(k, 2, 4), Slice(v, 2, 4), first[1], Slice(decay, 2, 4), Slice(beta, 2, 4)], 2, 27, attrs);
        NnHarness.AssertClose([.. TensorConvert.ToDoubles(first[0]), .. TensorConvert.ToDoubles(second[0])], full[0], 1e-5);
        NnHarness.AssertClose(TensorConvert.ToDoubles(full[1]), second[1], 1e-5);
    }

    [Fact]
    public void Causal_conv_with_state_equals_depthwise_conv_on_the_prefixed_input()
    {
        var rng = new Random(6);
        int b = 2, c = 3, len = 5, k = 3;
        var x = NnHarness.Random(rng, b, c, len);
        var w = NnHarness.Random(rng, c, 1, k);
        var bias = NnHarness.Random(rng, c);
        var r = NnHarness.Run("CausalConvWithState", [x, w, bias], 2, 27);
        // Conv with left padding k-1 and group = channels.
        var conv = NnHarness.Run("Conv", [x, w, bias], Attribute.Of("group", (long)c), Attribute.Of("pads", new long[] { k - 1, 0 }))[0];
        NnHarness.AssertClose(TensorConvert.ToDoubles(conv), r[0], 1e-5);
        // present_state is the last k-1 inputs.
        var state = TensorConvert.ToDoubles(r[1]);
        Assert.Equal(x[len - 2], state[0]);
        Assert.Equal(x[len - 1], state[1]);
        // Running the input in two pieces, carrying the state, gives the same outputs.
        static Tensor<float> Time(Tensor<float> t, int t0, int t1)
        {
            int n = t.Shape[0] * t.Shape[1], l = t.Shape[2];
            var r = new Tensor<float>([t.Shape[0], t.Shape[1], t1 - t0]);
            for (int i = 0; i < n; i++) for (int j = t0; j < t1; j++) r[i * (t1 - t0) + j - t0] = t[i * l + j];
            return r;
        }
        var first = NnHarness.Run("CausalConvWithState", [Time(x, 0, 2), w, bias], 2, 27);
        var second = NnHarness.Run("CausalConvWithState", [Time(x, 2, len), w, bias, first[1]], 2, 27);
        var full = (Tensor<float>)r[0];
        NnHarness.AssertClose(TensorConvert.ToDoubles(Time(full, 0, 2)), first[0], 1e-6);
        NnHarness.AssertClose(TensorConvert.ToDoubles(Time(full, 2, len)), second[0], 1e-6);
        // SiLU activation.
        var silu = NnHarness.Run("CausalConvWithState", [x, w, bias], 2, 27, Attribute.Of("activation", "silu"))[0];
        NnHarness.AssertClose(TensorConvert.ToDoubles(conv).Select(s => s / (1 + Math.Exp(-s))).ToArray(), silu, 1e-5);
    }
}
