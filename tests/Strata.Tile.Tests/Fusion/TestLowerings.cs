using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Tests.Fusion;

/// <summary>A registry with the built-in ops and Tile lowerings plus simple test-local lowerings of the pointwise ops
/// the fusion tests use (numpy broadcasting, computed in the element type) where the built-ins have none.</summary>
internal static class TestLowerings
{
    public static ExtensionRegistry Create()
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        r.Load(new BuiltinTileLoweringsPlugin());
        foreach (var (op, bop) in new[] { ("Add", BinaryOp.Add), ("Sub", BinaryOp.Sub), ("Mul", BinaryOp.Mul), ("Div", BinaryOp.Div), ("Pow", BinaryOp.Pow) })
            AddIfMissing(r, op, c => [Binary(c, bop)]);
        foreach (var (op, uop) in new[] { ("Sqrt", UnaryOp.Sqrt), ("Erf", UnaryOp.Erf), ("Exp", UnaryOp.Exp), ("Relu", UnaryOp.Relu), ("Tanh", UnaryOp.Tanh), ("Neg", UnaryOp.Neg) })
            AddIfMissing(r, op, c => [Unary(c.Input(0), uop)]);
        AddIfMissing(r, "Gelu", c => [Unary(c.Input(0), c.Node.GetString("approximate", "none") == "tanh" ? UnaryOp.GeluTanh : UnaryOp.Gelu)]);
        AddIfMissing(r, "Identity", c => [c.Input(0)]);
        AddIfMissing(r, "BatchNormalization", BatchNorm);
        return r;
    }

    private static void AddIfMissing(ExtensionRegistry r, string op, Func<TileLoweringContext, IReadOnlyList<TileValue?>?> lower)
    {
        if (r.Find<ITileLowering>(op) is null) r.AddLowering("", op, new TileLowering(lower));
    }

    public static TileValue Unary(TileValue x, UnaryOp op) => new(x.Type, x.Shape, idx => new Unary(op, x.At(idx)));

    public static TileValue Binary(TileLoweringContext c, BinaryOp op)
    {
        var shape = OutShape(c);
        var a = Broadcast(c.Input(0), shape);
        var b = Broadcast(c.Input(1), shape);
        return new TileValue(a.Type, shape, idx => new Binary(op, a.At(idx), b.At(idx)));
    }

    public static ImmutableArray<long> OutShape(TileLoweringContext c) =>
        [.. c.OutputType(0)!.Shape!.Dims.Select(d => d.Value!.Value)];

    public static TileValue Broadcast(TileValue v, IReadOnlyList<long> shape)
    {
        int offset = shape.Count - v.Rank;
        return new TileValue(v.Type, [.. shape], idx =>
        {
            var src = new Expr[v.Rank];
            for (int d = 0; d < v.Rank; d++) src[d] = v.Shape[d] == 1 && shape[d + offset] != 1 ? Expr.Index(0) : idx[d + offset];
            return v.At(src);
        });
    }

    /// <summary>Inference BatchNormalization: <c>(x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c]</c> over dim 1.</summary>
    private static IReadOnlyList<TileValue?>? BatchNorm(TileLoweringContext c)
    {
        if (c.Node.Outputs.Length > 1 && c.Node.Outputs.Skip(1).Any(o => o is not null)) return c.Decline("training mode");
        var x = c.Input(0);
        var t = x.Type;
        var eps = Constant.Of(c.Node.GetFloat("epsilon", 1e-5f), t);
        Expr P(int i, IReadOnlyList<Expr> idx) => c.Input(i).At(idx[1]);
        return [new TileValue(t, x.Shape, idx =>
            new Binary(BinaryOp.Add,
                new Binary(BinaryOp.Mul,
                    new Binary(BinaryOp.Div, new Binary(BinaryOp.Sub, x.At(idx), P(3, idx)),
                        new Unary(UnaryOp.Sqrt, new Binary(BinaryOp.Add, P(4, idx), eps))),
                    P(1, idx)),
                P(2, idx)))];
    }
}
