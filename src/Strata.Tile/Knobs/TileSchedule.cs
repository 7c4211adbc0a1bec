using System.Collections.Immutable;

namespace Strata.Tile;

/// <summary>A legal <see cref="Config"/> read into typed values for one kernel (what the Tile→Block lowering
/// consumes). Obtain it with <see cref="KnobSpace.Resolve"/>; its constructor does not check legality.</summary>
public sealed class TileSchedule
{
    private readonly ImmutableDictionary<string, int> _blocks;
    private readonly ImmutableDictionary<string, int> _splits;
    private readonly ImmutableDictionary<string, string> _packs;

    internal TileSchedule(AxisClasses classes, Config config, ImmutableDictionary<string, int> blocks, ImmutableArray<string> parallel,
        ImmutableArray<string> order, string? vector, int unroll, ImmutableDictionary<string, int> splits, ImmutableDictionary<string, string> packs)
    {
        Classes = classes;
        Config = config;
        _blocks = blocks;
        Parallel = parallel;
        Order = order;
        Vector = vector;
        Unroll = unroll;
        _splits = splits;
        _packs = packs;
    }

    public AxisClasses Classes { get; }
    public TileKernel Kernel => Classes.Kernel;
    public Config Config { get; }

    /// <summary>Parallel axis classes; grid axis i spreads <c>Parallel[i]</c>.</summary>
    public ImmutableArray<string> Parallel { get; }

    /// <summary>Loop order (outermost first) of the non-parallel output classes.</summary>
    public ImmutableArray<string> Order { get; }

    public string? Vector { get; }
    public int Unroll { get; }

    /// <summary>The block size of an axis (that of its class).</summary>
    public int Block(string axis) => _blocks[Classes.ClassOf(axis)];

    /// <summary>The grid axis that spreads <paramref name="axis"/>'s class, or -1 if it is not parallel.</summary>
    public int GridAxis(string axis) => Parallel.IndexOf(Classes.ClassOf(axis));

    public bool IsParallel(string axis) => GridAxis(axis) >= 0;

    /// <summary>The number of blocks of an axis: ceil(extent / block).</summary>
    public long BlockCount(string axis)
    {
        long e = Kernel.Axis(axis).Extent, b = Block(axis);
        return (e + b - 1) / b;
    }

    /// <summary>Split-K factor of a reduction axis (1 if it has none).</summary>
    public int Split(string axis) => _splits.GetValueOrDefault(Classes.ClassOf(axis), 1);

    /// <summary>Packing of a contraction input: <c>none</c> or <c>panels</c>.</summary>
    public string Pack(string input) => _packs.GetValueOrDefault(input, KnobNames.None);

    /// <summary>Position of an output axis's class in the loop order (for sorting a computation's loops).</summary>
    public int OrderRank(string axis) => Order.IndexOf(Classes.ClassOf(axis));

    /// <summary>The grid: the block count of each parallel class (at least 1: an empty class leaves every computation
    /// empty, and the one instance does nothing), or <c>[1]</c> when nothing is parallel.</summary>
    public ImmutableArray<long> Grid => Parallel.IsEmpty ? [1] : [.. Parallel.Select(c => Math.Max(1, BlockCount(c)))];
}
