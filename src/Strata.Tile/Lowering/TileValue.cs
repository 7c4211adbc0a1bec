using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>A graph value during Graph→Tile lowering: its element type, static shape, and how to compute the
/// element at given indices (an "inner function"). Pointwise ops and views compose these functions, so
/// producers are inlined into consumers and reshapes/transposes become index arithmetic, not copies.</summary>
public sealed class TileValue(DataType type, ImmutableArray<long> shape, Func<IReadOnlyList<Expr>, Expr> at)
{
    public DataType Type { get; } = type;
    public ImmutableArray<long> Shape { get; } = shape;
    public int Rank => Shape.Length;

    /// <summary>The expression for the element at <paramref name="indices"/> (one i64 expression per dim).</summary>
    public Expr At(IReadOnlyList<Expr> indices)
    {
        if (indices.Count != Shape.Length)
            throw new ArgumentException($"indexing a rank-{Shape.Length} value with {indices.Count} indices");
        return at(indices);
    }

    public Expr At(params Expr[] indices) => At((IReadOnlyList<Expr>)indices);

    /// <summary>A value that reads buffer <paramref name="buffer"/> directly.</summary>
    public static TileValue FromBuffer(TileBuffer buffer) =>
        new(buffer.ElementType, buffer.Shape, idx => new Load(buffer.Name, idx.ToImmutableArray(), buffer.ElementType));
}
