using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>RotaryEmbedding and SwiGLU: per-element parts of transformer blocks, written as inner functions (no
/// reduction). RotaryEmbedding picks each element's rotation partner by index arithmetic and reads the cos/sin caches
/// through position_ids (a load used as an index); SwiGLU rounds after each step, like the reference.</summary>
internal static class TransformerLowerings
{
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "RotaryEmbedding", Explained(Rotary));
        registry.AddLowering("", "SwiGLU", Explained(SwiGlu));
    }

    private static IReadOnlyList<TileValue?>? Rotary(TileLoweringContext c)
    {
        var x = c.Input(0);
        var cos = c.Input(1);
        var sin = c.Input(2);
        var pos = c.HasInput(3) ? c.Input(3) : null;
        var t = x.Type;
        if (!IsFloat(t) || !IsFloat(cos.Type) || !IsFloat(sin.Type)) return null;
        long batch, seq, headSize;
        if (x.Rank == 4) (batch, seq, headSize) = (x.Shape[0], x.Shape[2], x.Shape[3]);
        else if (x.Rank == 3)
        {
            long heads = c.Node.GetInt("num_heads", 0);
            if (heads <= 0 || x.Shape[2] % heads != 0) return null;
            (batch, seq, headSize) = (x.Shape[0], x.Shape[1], x.Shape[2] / heads);
        }
        else return null;
        long dim = c.Node.GetInt("rotary_embedding_dim", 0);
        if (dim == 0) dim = headSize;
        if (dim > headSize || dim % 2 != 0) return null;
        long half = dim / 2;
        bool interleaved = c.Node.GetInt("interleaved", 0) != 0;
        if (cos.Shape[^1] != half || sin.Shape[^1] != half || !cos.Shape.SequenceEqual(sin.Shape)) return null;
        if (pos is null && (cos.Rank != 3 || cos.Shape[0] != batch || cos.Shape[1] != seq)) return null;
        if (pos is not null && (cos.Rank != 2 || pos.Rank != 2 || pos.Shape[0] != batch || pos.Shape[1] != seq || !pos.Type.IsInteger())) return null;

        return [Value(t, x.Shape, idx =>
        {
            // (b, s, e) of this element; X(delta) reads the element delta features further along the same head.
            Expr b = idx[0];
            Expr s = x.Rank == 4 ? idx[2] : idx[1];
            Expr e = x.Rank == 4 ? idx[3] : IMod(idx[2], headSize);
            Expr X(long delta) => F64(x.At([.. idx.Take(x.Rank - 1), IAdd(idx[^1], delta)]));
            Expr Cache(TileValue cache, Expr i) => F64(pos is null ? cache.At(b, s, i) : cache.At(To(pos.At(b, s), DataType.Int64), i));

            Expr rotated;
            if (interleaved)
            {
                // Pairs (2i, 2i+1): even → cos·x[e] − sin·x[e+1], odd → sin·x[e−1] + cos·x[e].
                var i = IDiv(e, 2);
                rotated = Sel(Eq(IMod(e, 2), Ix(0)),
                    Sub(Mul(Cache(cos, i), X(0)), Mul(Cache(sin, i), X(1))),
                    Add(Mul(Cache(sin, i), X(-1)), Mul(Cache(cos, i), X(0))));
            }
            else
            {
                // Halves: e < half → cos·x[e] − sin·x[e+half]; else (i = e − half) sin·x[i] + cos·x[e].
                var i = ISub(e, half);
                rotated = Sel(Bin(BinaryOp.Lt, e, Ix(half)),
                    Sub(Mul(Cache(cos, e), X(0)), Mul(Cache(sin, e), X(half))),
                    Add(Mul(Cache(sin, i), X(-half)), Mul(Cache(cos, i), X(0))));
            }
            var y = dim == headSize ? rotated : Sel(Bin(BinaryOp.Lt, e, Ix(dim)), rotated, X(0));
            return To(y, t);
        })];
    }

    /// <summary>SwiGLU: <c>a · sigmoid(alpha · a) · b</c>, rounded to the element type after each step.</summary>
    private static IReadOnlyList<TileValue?>? SwiGlu(TileLoweringContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var t = a.Type;
        if (!IsFloat(t) || b.Type != t || !a.Shape.SequenceEqual(b.Shape)) return null;
        double alpha = c.Node.GetFloat("alpha", 1f);
        return [Value(t, a.Shape, idx =>
        {
            Expr R(Expr v) => RoundVia(v, t);
            var av = F64(a.At(idx));
            var e = R(Un(UnaryOp.Exp, R(Mul(C(-alpha, F64T), av))));
            var sig = R(Div(C(1, F64T), R(Add(C(1, F64T), e))));
            return To(Mul(R(Mul(av, sig)), F64(b.At(idx))), t);
        })];
    }
}
