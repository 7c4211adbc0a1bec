using Strata.Tile;

namespace Strata.Block;

/// <summary>Lowering Tile + Config → Block: a pure, deterministic function; every legal config gives a correct program.
/// <para>The scheme. The grid has ceil(extent / block) program instances along each parallel axis class; an instance
/// turns its program ids into block offsets. It then runs the kernel's computations in order. For each computation: a
/// loop (<c>for</c>) over the blocks of each non-parallel output axis, in the config's <c>order</c>; index blocks are
/// <c>arange</c>s reshaped onto one dimension per axis; masks guard blocks that overhang an extent; the body is lowered
/// by an ops handler (<see cref="BlockExprLowering"/>: loads get one index block per buffer dim, loads inside
/// <c>select</c> branches are masked by the branch condition). Reductions loop over blocks of the reduction axes
/// carrying an accumulator (split into chunks by <c>split.k</c>); lanes beyond the extent contribute the identity; a
/// sum of products of two loads becomes <c>dot</c>; arg reductions carry a (value, index) pair. Temporaries are scratch
/// parameters: the parallel legality rule guarantees each instance reads only the parts it wrote. Outputs are stored
/// with masks.</para></summary>
public static class TileToBlock
{
    /// <summary>Lowers <paramref name="kernel"/> under <paramref name="config"/>; throws
    /// <see cref="Core.ErrorCode.InvalidArgument"/> if the config is not legal for the kernel.</summary>
    public static BlockKernel Lower(TileKernel kernel, Config config) => Lower(KnobSpace.For(kernel).Resolve(config));

    /// <summary>Lowers <paramref name="kernel"/> under its default config.</summary>
    public static BlockKernel Lower(TileKernel kernel)
    {
        var space = KnobSpace.For(kernel);
        return Lower(space.Resolve(space.Default()));
    }

    public static BlockKernel Lower(TileSchedule schedule) => new KernelLowering(schedule).Run();
}
