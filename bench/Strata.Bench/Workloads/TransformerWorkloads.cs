using Strata.Graph.Builder;

namespace Strata.Bench.Workloads;

/// <summary>The transformer pieces: the MLP block, LayerNorm, Softmax and one BERT-base encoder layer.</summary>
internal static class TransformerWorkloads
{
    /// <summary>Issue 5's targets: MLP block and BERT layer 1.1, LayerNorm and Softmax 1.3.</summary>
    public const double BlockTarget = 1.1, RowwiseTarget = 1.3;

    public static IEnumerable<Workload> All()
    {
        yield return Mlp(128, 768, 3072);
        yield return LayerNorm(128, 768);
        yield return LayerNorm(512, 1024);
        yield return Softmax(12, 128, 128);
        yield return Silu(128, 3072);
        yield return BertLayer(seq: 128, hidden: 768, heads: 12, ffn: 3072);
    }

    /// <summary>MatMul+Add+Gelu+MatMul+Add on [rows×hidden] with an inner width of <paramref name="inner"/>.
    /// Flops: the two MatMuls.</summary>
    public static Workload Mlp(int rows, int hidden, int inner) =>
        new($"mlp-{rows}x{hidden}-h{inner}", "transformer", 2.0 * 2 * rows * hidden * inner, BlockTarget, () =>
        {
            var b = new ModelBuild("mlp", seed: 11);
            var x = b.Input("x", rows, hidden);
            return b.Finish(Ffn(b, x, hidden, inner, "ffn"));
        });

    public static Workload LayerNorm(int rows, int cols) =>
        new($"layernorm-{rows}x{cols}", "transformer", null, RowwiseTarget, () =>
        {
            var b = new ModelBuild("layernorm", seed: 13);
            var x = b.Input("x", rows, cols);
            var scale = b.Weight("scale", 1, cols);
            var bias = b.Weight("bias", 1, cols);
            return b.Finish(b.Graph.LayerNormalization(x, scale, bias, axis: -1, epsilon: 1e-5f));
        });

    public static Workload Softmax(params int[] shape) =>
        new($"softmax-{string.Join('x', shape)}", "transformer", null, RowwiseTarget, () =>
        {
            var b = new ModelBuild("softmax", seed: 17);
            // Scores of a few units, as attention produces, so exp does not underflow everywhere.
            var x = b.Input("x", shape);
            return b.Finish(b.Graph.Softmax(b.Graph.Mul(x, b.Graph.Scalar(4.0)), axis: -1));
        });

    /// <summary>SiLU (x·sigmoid(x)) on an MLP's inner width: the cost of an f32 sigmoid alone (tanh, GeluTanh, Swish
    /// and the LSTM/GRU gates pay the same kind). Its own group, so the transformer summary keeps issue 5's rows;
    /// issue 5 sets no target for it (1.0 here: parity).</summary>
    public static Workload Silu(int rows, int cols) =>
        new($"silu-{rows}x{cols}", "activation", null, 1.0, () =>
        {
            var b = new ModelBuild("silu", seed: 23);
            var x = b.Input("x", rows, cols);
            return b.Finish(b.Graph.Mul(x, b.Graph.Sigmoid(x)));
        });

    /// <summary>One BERT-base encoder layer on [1×seq×hidden]: Q, K, V projections, heads, scaled scores, softmax,
    /// context, output projection, residual + LayerNorm, FFN with Gelu, residual + LayerNorm. Flops: the MatMuls.</summary>
    public static Workload BertLayer(int seq, int hidden, int heads, int ffn)
    {
        int dh = hidden / heads;
        double flops = 2.0 * seq * hidden * hidden * 4          // Q, K, V, output projections
            + 2.0 * heads * seq * seq * dh * 2                  // scores and context
            + 2.0 * 2 * seq * hidden * ffn;                     // FFN
        return new($"bert-layer-s{seq}", "transformer", flops, BlockTarget, () =>
        {
            var b = new ModelBuild("bert_layer", seed: 19);
            var g = b.Graph;
            var x = b.Input("x", 1, seq, hidden);

            Var Heads(Var t, params long[] perm) => g.Transpose(g.Reshape(t, 1, seq, heads, dh), perm);
            var q = Heads(Linear(b, x, hidden, hidden, "q"), 0, 2, 1, 3);    // [1, h, s, dh]
            var kT = Heads(Linear(b, x, hidden, hidden, "k"), 0, 2, 3, 1);   // [1, h, dh, s]
            var v = Heads(Linear(b, x, hidden, hidden, "v"), 0, 2, 1, 3);    // [1, h, s, dh]
            var scores = g.Mul(g.MatMul(q, kT), g.Scalar(1.0 / Math.Sqrt(dh)));
            var context = g.MatMul(g.Softmax(scores, axis: -1), v);          // [1, h, s, dh]
            var merged = g.Reshape(g.Transpose(context, 0, 2, 1, 3), 1, seq, hidden);
            var attention = Linear(b, merged, hidden, hidden, "o");
            var h = Norm(b, g.Add(x, attention), hidden, "ln1");
            var y = Norm(b, g.Add(h, Ffn(b, h, hidden, ffn, "ffn")), hidden, "ln2");
            return b.Finish(y);
        });
    }

    /// <summary>x·W + bias with W [in×out].</summary>
    private static Var Linear(ModelBuild b, Var x, int inWidth, int outWidth, string name) =>
        b.Graph.Add(b.Graph.MatMul(x, b.Weight(name + "_w", inWidth, inWidth, outWidth)), b.Weight(name + "_b", inWidth, outWidth));

    /// <summary>Linear → Gelu (erf form) → Linear.</summary>
    private static Var Ffn(ModelBuild b, Var x, int hidden, int inner, string name) =>
        Linear(b, b.Graph.Gelu(Linear(b, x, hidden, inner, name + "1")), inner, hidden, name + "2");

    private static Var Norm(ModelBuild b, Var x, int width, string name) =>
        b.Graph.LayerNormalization(x, b.Filled(name + "_scale", 1f, width), b.Filled(name + "_bias", 0f, width), axis: -1);
}
