namespace Strata.Tile;

/// <summary>How one Graph op becomes Tile computations: returns one <see cref="TileValue"/> per node output, or
/// null when this node cannot be lowered (unsupported dtype, data-dependent shape, …) so that it runs as a
/// fallback kernel through the reference interpreter. Registered in the ExtensionRegistry under the op key,
/// like op definitions; plugins add lowerings for their ops the same way.</summary>
public interface ITileLowering
{
    IReadOnlyList<TileValue?>? Lower(TileLoweringContext context);
}

/// <summary>An <see cref="ITileLowering"/> from a function.</summary>
public sealed class TileLowering(Func<TileLoweringContext, IReadOnlyList<TileValue?>?> lower) : ITileLowering
{
    public IReadOnlyList<TileValue?>? Lower(TileLoweringContext context) => lower(context);
}
