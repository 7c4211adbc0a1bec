using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

public class AttentionTests
{
    /// <summary>softmax(Q·Kᵀ·scale + bias)·V per (batch, head), with KV head h / (Hq/Hkv), written out directly.</summary>
    private static double[] Naive(double[] q, double[] k, double[] v, int b, int hq, int hkv, int sq, int skv, int d, int dv,
        double scale, Func<int, int, int, int, double> bias)
    {
        var y = new double[b * hq * sq * dv];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < hq; h++)
                for (int i = 0; i < sq; i++)
                {
                    int kh = h / (hq / hkv);
                    var s = new double[skv];
                    for (int j = 0; j < skv; j++)
                    {
                        double dot = 0;
                        for (int e = 0; e < d; e++) dot += q[((bi * hq + h) * sq + i) * d + e] * k[((bi * hkv + kh) * skv + j) * d + e];
                        s[j] = dot * scale + bias(bi, h, i, j);
                    }
                    double max = s.Max();
                    if (double.IsNegativeInfinity(max)) continue;
                    var p = s.Select(x => Math.Exp(x - max)).ToArray();
                    double sum = p.Sum();
                    for (int j = 0; j < skv; j++)
                        for (int e = 0; e < dv; e++)
                            y[((bi * hq + h) * sq + i) * dv + e] += p[j] / sum * v[((bi * hkv + kh) * skv + j) * dv + e];
                }
        return y;
    }

    [Fact]
    public void Four_d_matches_naive_with_gqa_causal_and_mask()
    {
        Gen.Select(Gen.Int[1, 2], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[0, 3], Gen.Int[0, 10000]).Sample((b, hkv, reps, sq, skv, flags, seed) =>
        {
            var rng = new Random(seed);
            int hq = hkv * reps, d = 4, dv = 3;
            bool causal = (flags & 1) != 0, withMask = (flags & 2) != 0;
            var q = NnHarness.RandomDouble(rng, b, hq, sq, d);
            var k = NnHarness.RandomDouble(rng, b, hkv, skv, d);
            var v = NnHarness.RandomDouble(rng, b, hkv, skv, dv);
            var mask = withMask ? NnHarness.RandomDouble(rng, sq, skv) : null;
            var y = NnHarness.Run("Attention", [q, k, v, mask], 1, 23, Attribute.Of("is_causal", causal ? 1L : 0L))[0];
            var expected = Naive(q.ToArray(), k.ToArray(), v.ToArray(), b, hq, hkv, sq, skv, d, dv, 1 / Math.Sqrt(d),
                (_, _, i, j) => (mask is null ? 0 : mask[i * skv + j]) + (causal && j > i ? double.NegativeInfinity : 0));
            Assert.Equal(new[] { b, hq, sq, dv }, y.Shape);
            NnHarness.AssertClose(expected, y, 1e-9);
        }, iter: 60);
    }

    [Fact]
    public void Past_cache_is_concatenated_and_causal_is_bottom_right()
    {
        var rng = new Random(5);
        var q = NnHarness.RandomDouble(rng, 1, 2, 2, 4);
        var k = NnHarness.RandomDouble(rng, 1, 2, 2, 4);
        var v = NnHarness.RandomDouble(rng, 1, 2, 2, 4);
        var pk = NnHarness.RandomDouble(rng, 1, 2, 3, 4);
        var pv = NnHarness.RandomDouble(rng, 1, 2, 3, 4);
        var r = NnHarness.Run("Attention", [q, k, v, null, pk, pv], 3, 23, Attribute.Of("is_causal", 1L));
        Assert.Equal(new[] { 1, 2, 5, 4 }, r[1].Shape);
        // present_key = past ++ K along the sequence.
        var pres = TensorConvert.ToDoubles(r[1]);
        Assert.Equal(pk[0], pres[0]);
        Assert.Equal(k[0], pres[3 * 4]);
        // Query i (of 2) sees keys j <= i + 3.
        var fullK = pres;
        var fullV = TensorConvert.ToDoubles(r[2]);
        var expected = Naive(q.ToArray(), fullK, fullV, 1, 2, 2, 2, 5, 4, 4, 0.5, (_, _, i, j) => j > i + 3 ? double.NegativeInfinity : 0);
        NnHarness.AssertClose(expected, r[0], 1e-9);
    }

    [Fact]
    public void Three_d_inputs_are_heads_packed_in_the_last_dim()
    {
        var rng = new Random(9);
        var q4 = NnHarness.RandomDouble(rng, 2, 3, 4, 2);
        var k4 = NnHarness.RandomDouble(rng, 2, 3, 5, 2);
        var v4 = NnHarness.RandomDouble(rng, 2, 3, 5, 2);
        static Tensor<double> Pack(Tensor<double> t)
        {
            int b = t.Shape[0], h = t.Shape[1], s = t.Shape[2], d = t.Shape[3];
            var r = new Tensor<double>([b, s, h * d]);
            for (int bi = 0; bi < b; bi++) for (int hi = 0; hi < h; hi++) for (int si = 0; si < s; si++) for (int di = 0; di < d; di++)
                r[(bi * s + si) * h * d + hi * d + di] = t[((bi * h + hi) * s + si) * d + di];
            return r;
        }
        var y4 = (Tensor<double>)NnHarness.Run("Attention", [q4, k4, v4], 1, 23)[0];
        var y3 = NnHarness.Run("Attention", [Pack(q4), Pack(k4), Pack(v4)], 1, 23,
            Attribute.Of("q_num_heads", 3L), Attribute.Of("kv_num_heads", 3L))[0];
        NnHarness.AssertClose(Pack(y4).ToArray(), y3, 1e-12);
    }

    [Fact]
    public void Fully_masked_rows_give_zeros_and_softcap_and_qk_modes()
    {
        var rng = new Random(2);
        var q = NnHarness.RandomDouble(rng, 1, 1, 2, 4);
        var k = NnHarness.RandomDouble(rng, 1, 1, 3, 4);
        var v = NnHarness.RandomDouble(rng, 1, 1, 3, 4);
        var mask = Tensor<bool>.FromArray([false, false, false, true, false, true], 2, 3);
        var r = NnHarness.Run("Attention", [q, k, v, mask], 4, 23, Attribute.Of("qk_matmul_output_mode", 3L));
        var y = TensorConvert.ToDoubles(r[0]);
        Assert.All(y.Take(4), x => Assert.Equal(0, x));
        var probs = TensorConvert.ToDoubles(r[3]);
        Assert.Equal(new double[] { 0, 0, 0 }, probs.Take(3));
        Assert.Equal(0, probs[4]);
        Assert.Equal(1, probs[3] + probs[5], 12);

        // Mode 1 exposes the softcapped scores: c·tanh(s/c).
        var capped = NnHarness.Run("Attention", [q, k, v], 4, 23, Attribute.Of("qk_matmul_output_mode", 1L), Attribute.Of("softcap", 0.5f))[3];
        var raw = NnHarness.Run("Attention", [q, k, v], 4, 23)[3];
        NnHarness.AssertClose(TensorConvert.ToDoubles(raw).Select(s => 0.5 * Math.Tanh(s / 0.5)).ToArray(), capped, 1e-12);
    }

    [Fact]
    public void Infers_output_shapes()
    {
        var t = NnHarness.Infer("Attention", [new Tensor<float>([2, 4, 72]), new Tensor<float>([2, 6, 24]), new Tensor<float>([2, 6, 30]),
            null, new Tensor<float>([2, 3, 12, 8]), new Tensor<float>([2, 3, 12, 10])], 4, 23, Attribute.Of("q_num_heads", 9L), Attribute.Of("kv_num_heads", 3L));
        Assert.Equal("f32[2,4,90]", t[0]!.ToString());
        Assert.Equal("f32[2,3,18,8]", t[1]!.ToString());
        Assert.Equal("f32[2,3,18,10]", t[2]!.ToString());
        Assert.Equal("f32[2,9,4,18]", t[3]!.ToString());
    }
}
