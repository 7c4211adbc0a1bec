using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

// The K (ci) and N (co) blocks of a channels-as-columns convolution (DotShape.WantsChannelColumns) tile their extents
// exactly: a partial last block is not a shorter dot but a full one over masked (zero) operands, so every FMA of its
// missing part is wasted. inception_v2's 14×14 and 7×7 convs (ci, co = 160, 192, 224, 320) in blocks of 128 and 64
// computed up to twice their flops (its 3×3 160→160 conv: K 128 + 128 for 160, N 64 + 64 + 64 for 160).
public sealed partial class KnobSpace
{
    /// <summary>A dividing K block is taken from [<see cref="MultiAxisMaxK"/>/2, 2·<see cref="MultiAxisMaxK"/>]: a [K, N]
    /// weight block of up to 256 × 128 f32 and the packed [K, R·M] input stay within L2.</summary>
    private const long ChannelColumnsMaxK = 2 * MultiAxisMaxK;

    /// <summary>A dividing N block is a multiple of this (whole vectors of the widest target, <see cref="DotShape.WideLanes"/>) and at least
    /// two of them: one vector per micro-tile row is latency-bound.</summary>
    private const long ChannelColumnsMinN = 2 * DotShape.WideLanes;

    /// <summary>Where the default K or N block of a channels-as-columns convolution leaves a partial last block, the
    /// largest divisor of the extent in range instead (K: 192 → 192, 320 → 160; N: 160 → 80, 224 → 112, 96 → 96); the
    /// default where none is. An im2col K (<see cref="DotShape.IsMergedTaps"/>) has its own rule (<see cref="DividingK"/>).</summary>
    private void ChannelColumnDividingBlocks(Dictionary<string, long> blocks, Computation c, DotRoles roles)
    {
        string kc = Classes.ClassOf(roles.K), nc = Classes.ClassOf(roles.N);
        if (!DotShape.IsMergedTaps(c) && Classes.Extent(kc) % blocks[kc] != 0
            && _blockCandidates[kc].LastOrDefault(v => IsChannelColumnK(kc, v)) is > 0 and var k)
            blocks[kc] = k;
        if (Classes.Extent(nc) % blocks[nc] != 0 && _blockCandidates[nc].LastOrDefault(v => IsChannelColumnN(nc, v)) is > 0 and var n)
            blocks[nc] = n;
    }

    /// <summary>The panel width of a channels-as-columns convolution's constant weight laid out at compile time
    /// (<see cref="Passes.PanelContractionWeights"/>), given its output channels: <see cref="PanelWidth"/> where that
    /// divides them (the N block, 64 or 128, is then whole panels); otherwise the N block that
    /// <see cref="ChannelColumnDividingBlocks"/> picks (the largest multiple of <see cref="DotShape.WideLanes"/> in
    /// [<see cref="ChannelColumnsMinN"/>, <see cref="ChannelColumnsMaxN"/>] that divides them: 160 → 80, 224 → 112,
    /// 288 → 96), one panel per block, so that every micro-tile of a block reads within one panel whatever its width
    /// (the Machine lowering proves it from the block start, a multiple of the panel); null where no such block exists
    /// (208 = 13 · 16: a masked last N block, whose B the micro-kernel packs).</summary>
    public static long? ChannelColumnsPanelWidth(long channels)
    {
        if (channels % PanelWidth == 0) return PanelWidth;
        for (long v = ChannelColumnsMaxN; v >= ChannelColumnsMinN; v -= DotShape.WideLanes)
            if (channels % v == 0) return v;
        return null;
    }

    private bool IsChannelColumnK(string cls, long v) =>
        Classes.Extent(cls) % v == 0 && v >= MultiAxisMaxK / 2 && v <= ChannelColumnsMaxK;

    private bool IsChannelColumnN(string cls, long v) =>
        Classes.Extent(cls) % v == 0 && v % DotShape.WideLanes == 0 && v >= ChannelColumnsMinN && v <= ChannelColumnsMaxN;

    /// <summary>The dividing blocks of <see cref="ChannelColumnDividingBlocks"/> as block candidates of a channels-as-columns
    /// convolution's K and N classes.</summary>
    private ImmutableArray<long> WithChannelColumnDivisors(string cls, ImmutableArray<long> candidates)
    {
        var roles = Kernel.Computations.Where(c => c.Reduce is not null)
            .Select(c => (c, r: DotShape.DefaultRoles(c, x => Classes.Extent(Classes.ClassOf(x)))))
            .Where(p => p.r is { Transposed: true } r && Classes.IsUsed(r.N) && Classes.IsUsed(r.K)).ToArray();
        bool isK = roles.Any(p => !DotShape.IsMergedTaps(p.c) && Classes.ClassOf(p.r!.K) == cls);
        bool isN = roles.Any(p => Classes.ClassOf(p.r!.N) == cls);
        if (!isK && !isN) return candidates;
        long extent = Classes.Extent(cls);
        var extra = Enumerable.Range(1, (int)Math.Min(extent, ChannelColumnsMaxK)).Select(v => (long)v)
            .Where(v => v < extent && !candidates.Contains(v) && (isK && IsChannelColumnK(cls, v) || isN && IsChannelColumnN(cls, v)));
        return [.. candidates.Concat(extra).Distinct().Order()];
    }
}
