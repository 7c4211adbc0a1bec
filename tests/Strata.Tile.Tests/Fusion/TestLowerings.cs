using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Tests.Fusion;

/// <summary>Small test-local lowerings (numpy broadcasting, computed in the element type), for tests that register
/// exactly the lowerings they need.</summary>
internal static class TestLowerings
{
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
}
