using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;

namespace Strata.Tile.Tests.Fusion;

/// <summary>Small graphs built with the C# builder for the fusion tests, with deterministic random weights.</summary>
internal static class FusionModels
{
    public static Tensor<float> Random(int seed, params int[] shape)
    {
        var r = new Random(seed);
        var data = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(r.NextDouble() * 2 - 1);
        return Tensor<float>.FromArray(data, shape);
    }

    public static Tensor<float> Positive(int seed, params int[] shape)
    {
        var t = Random(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = 0.5f + Math.Abs(s[i]);
        return t;
    }

    /// <summary><c>gelu(x·W + b)</c> with the Gelu op (opset 20).</summary>
    public static Graph.Graph MatMulAddGelu()
    {
        var g = new GraphBuilder("mlp", opset: 20);
        var x = g.Input("x", DataType.Float32, 4, 8);
        var h = g.MatMul(x, g.Constant("w", Random(1, 8, 16))) + g.Constant("b", Random(2, 16));
        g.Output(g.Gelu(h), "y");
        return g.Build();
    }

    /// <summary><c>gelu(x·W + b)</c> written out as BERT exports it: <c>Div → Erf → Add → Mul → Mul</c>.</summary>
    public static Graph.Graph MatMulAddGeluErf()
    {
        var g = new GraphBuilder("mlp_erf", opset: 17);
        var x = g.Input("x", DataType.Float32, 4, 8);
        var h = g.MatMul(x, g.Constant("w", Random(1, 8, 16))) + g.Constant("b", Random(2, 16));
        var e = g.Erf(h / 1.4142135f);
        g.Output(g.Mul(h, e + 1f) * 0.5f, "y");
        return g.Build();
    }

    public static Graph.Graph Softmax()
    {
        var g = new GraphBuilder("softmax", opset: 17);
        var x = g.Input("x", DataType.Float32, 4, 10);
        g.Output(g.Softmax(x, axis: -1), "y");
        return g.Build();
    }

    /// <summary>Softmax written out: <c>ReduceMax → Sub → Exp → ReduceSum → Div</c>.</summary>
    public static Graph.Graph SoftmaxWrittenOut()
    {
        var g = new GraphBuilder("softmax_ops", opset: 18);
        var x = g.Input("x", DataType.Float32, 4, 10);
        var e = g.Exp(x - g.ReduceMax(x, [-1]));
        g.Output(e / g.ReduceSum(e, [-1]), "y");
        return g.Build();
    }

    /// <summary>LayerNorm as BERT exports it: <c>ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div → Mul → Add</c>.</summary>
    public static Graph.Graph LayerNormWrittenOut()
    {
        var g = new GraphBuilder("layernorm", opset: 17);
        var x = g.Input("x", DataType.Float32, 4, 16);
        var d = x - g.ReduceMean(x, [-1]);
        var variance = g.ReduceMean(g.Pow(d, g.Scalar(2)), [-1]);
        var n = d / g.Sqrt(variance + 1e-5f);
        g.Output(n * g.Constant("gamma", Random(3, 16)) + g.Constant("beta", Random(4, 16)), "y");
        return g.Build();
    }

    /// <summary>RMSNorm written out: <c>Pow → ReduceMean → Add → Sqrt → Div → Mul</c>.</summary>
    public static Graph.Graph RmsNormWrittenOut()
    {
        var g = new GraphBuilder("rmsnorm", opset: 17);
        var x = g.Input("x", DataType.Float32, 4, 16);
        var rms = g.Sqrt(g.ReduceMean(g.Pow(x, g.Scalar(2)), [-1]) + 1e-6f);
        g.Output(x / rms * g.Constant("gamma", Random(15, 16)), "y");
        return g.Build();
    }

    /// <summary><c>relu(batchnorm(conv(x, W, b)))</c>.</summary>
    public static Graph.Graph ConvBatchNormRelu()
    {
        var g = new GraphBuilder("convbn", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 3, 6, 6);
        var c = g.Conv(x, g.Constant("w", Random(5, 4, 3, 3, 3)), g.Constant("b", Random(6, 4)), pads: [1, 1, 1, 1]);
        var bn = g.BatchNormalization(c, g.Constant("scale", Random(7, 4)), g.Constant("bias", Random(8, 4)),
            g.Constant("mean", Random(9, 4)), g.Constant("var", Positive(10, 4)));
        g.Output(g.Relu(bn), "y");
        return g.Build();
    }

    /// <summary><c>relu(x·W1 + b1)·W2 + b2</c>: two contractions, two kernels.</summary>
    public static Graph.Graph TwoLayerMlp()
    {
        var g = new GraphBuilder("mlp2", opset: 17);
        var x = g.Input("x", DataType.Float32, 4, 8);
        var h = g.Relu(g.MatMul(x, g.Constant("w1", Random(11, 8, 16))) + g.Constant("b1", Random(12, 16)));
        g.Output(g.MatMul(h, g.Constant("w2", Random(13, 16, 4))) + g.Constant("b2", Random(14, 4)), "y");
        return g.Build();
    }

    /// <summary>A BERT-style encoder block, written out as exporters do: LayerNorm from ReduceMean/Sub/Pow/Sqrt/Div,
    /// Q/K/V projections reshaped and transposed into heads, scaled scores with Softmax, the context transposed
    /// back, output projection with a residual add, then an MLP with the Erf form of Gelu and a second residual.</summary>
    public static Graph.Graph TransformerBlock()
    {
        const int S = 6, D = 8, H = 2, Dh = 4, F = 16;
        var g = new GraphBuilder("block", opset: 17);
        var x = g.Input("x", DataType.Float32, S, D);
        Var LayerNorm(Var v, int seed)
        {
            var d = v - g.ReduceMean(v, [-1]);
            var n = d / g.Sqrt(g.ReduceMean(g.Pow(d, g.Scalar(2)), [-1]) + 1e-5f);
            return n * g.Constant(Random(seed, D)) + g.Constant(Random(seed + 100, D));
        }
        Var Project(Var v, int inDim, int outDim, int seed) =>
            g.MatMul(v, g.Constant(Random(seed, inDim, outDim))) + g.Constant(Random(seed + 100, outDim));
        Var Heads(Var v) => g.Transpose(g.Reshape(v, S, H, Dh), 1, 0, 2);

        var ln1 = LayerNorm(x, 20);
        var q = Heads(Project(ln1, D, D, 21));
        var k = Heads(Project(ln1, D, D, 22));
        var v = Heads(Project(ln1, D, D, 23));
        var probabilities = g.Softmax(g.MatMul(q, g.Transpose(k, 0, 2, 1)) / 2f, axis: -1);
        var context = g.Reshape(g.Transpose(g.MatMul(probabilities, v), 1, 0, 2), S, D);
        var attended = Project(context, D, D, 24) + x;
        var h = Project(LayerNorm(attended, 25), D, F, 26);
        var gelu = g.Mul(h, g.Erf(h / 1.4142135f) + 1f) * 0.5f;
        g.Output(Project(gelu, F, D, 27) + attended, "y");
        return g.Build();
    }
}
