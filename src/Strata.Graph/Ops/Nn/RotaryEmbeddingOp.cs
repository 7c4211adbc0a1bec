using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RotaryEmbedding (opset 23): rotates the first <c>rotary_embedding_dim</c> features of every head by
/// position-dependent angles: pairs (x1, x2) — the two halves, or even/odd features when <c>interleaved</c> — become
/// (cos·x1 − sin·x2, sin·x1 + cos·x2). cos/sin come from the caches indexed by position_ids ([max_pos, dim/2]) or
/// directly per token ([batch, seq, dim/2]). X is [batch, heads, seq, head_size] or [batch, seq, heads·head_size].</summary>
internal static class RotaryEmbeddingOp
{
    public static OpSchema Schema => new("", "RotaryEmbedding", c => [Infer.SameAs(c, 0)], c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext ctx)
    {
        var xt = ctx.Input(0);
        var cosT = ctx.Input(1);
        var sinT = ctx.Input(2);
        var posT = ctx.OptionalInput(3);
        if (!FloatBuffers.IsSupported(xt.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"RotaryEmbedding does not support {xt.DataType.ShortName()}");
        int batch, heads, seq, headSize;
        // Element (b, h, s, e) of X lives at b·bs + h·hs + s·ss + e.
        int bs, hs, ss;
        if (xt.Rank == 4)
        {
            (batch, heads, seq, headSize) = (xt.Shape[0], xt.Shape[1], xt.Shape[2], xt.Shape[3]);
            (bs, hs, ss) = (heads * seq * headSize, seq * headSize, headSize);
        }
        else if (xt.Rank == 3)
        {
            heads = (int)ctx.Int("num_heads", 0);
            if (heads <= 0 || xt.Shape[2] % heads != 0)
                throw ctx.Error(ErrorCode.InvalidAttribute, "a 3-D RotaryEmbedding input needs num_heads dividing its hidden size");
            (batch, seq, headSize) = (xt.Shape[0], xt.Shape[1], xt.Shape[2] / heads);
            (bs, hs, ss) = (seq * heads * headSize, headSize, heads * headSize);
        }
        else throw ctx.Error(ErrorCode.ShapeMismatch, $"RotaryEmbedding input must be 3-D or 4-D, got {ShapeMath.Format(xt.Shape)}");
        int dim = (int)ctx.Int("rotary_embedding_dim", 0);
        if (dim == 0) dim = headSize;
        if (dim > headSize || dim % 2 != 0)
            throw ctx.Error(ErrorCode.InvalidAttribute, $"rotary_embedding_dim {dim} must be even and at most the head size {headSize}");
        int half = dim / 2;
        bool interleaved = ctx.Int("interleaved", 0) != 0;
        if (cosT.Shape[^1] != half || sinT.Shape[^1] != half)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"cos/sin caches must have last dim {half} (rotary_embedding_dim / 2)");
        var cos = TensorConvert.ToDoubles(cosT);
        var sin = TensorConvert.ToDoubles(sinT);
        long[]? pos = posT is null ? null : TensorConvert.ToInt64s(posT);
        if (pos is null && (cosT.Rank != 3 || cosT.Shape[0] != batch || cosT.Shape[1] != seq))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"without position_ids the caches must be [{batch},{seq},{half}]");
        if (pos is not null && (cosT.Rank != 2 || pos.Length != batch * seq))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"with position_ids [{batch},{seq}] the caches must be 2-D [max_position, {half}]");

        var x = TensorConvert.ToDoubles(xt);
        var y = (double[])x.Clone();
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
            {
                long row = pos is null ? b * seq + s : pos[b * seq + s];
                if (row < 0 || row >= cosT.Shape[0] * (pos is null ? cosT.Shape[1] : 1))
                    throw ctx.Error(ErrorCode.IndexOutOfRange, $"position id {row} is outside the cos/sin caches");
                int c0 = (int)row * half;
                for (int h = 0; h < heads; h++)
                {
                    int o = b * bs + h * hs + s * ss;
                    for (int i = 0; i < half; i++)
                    {
                        int i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
                        double x1 = x[o + i1], x2 = x[o + i2], cv = cos[c0 + i], sv = sin[c0 + i];
                        y[o + i1] = cv * x1 - sv * x2;
                        y[o + i2] = sv * x1 + cv * x2;
                    }
                }
            }
        return TensorConvert.FromDoubles(xt.DataType, y, xt.Shape);
    }
}
