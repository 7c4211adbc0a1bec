using System.Collections.Immutable;

namespace Strata.Runtime;

/// <summary>One buffer to place in the arena: <see cref="Bytes"/> bytes live from step <see cref="FirstUse"/> to step
/// <see cref="LastUse"/> inclusive (a buffer written by step s and read by step s coexist with every other buffer of
/// step s).</summary>
public sealed record BufferRequest(string Name, long Bytes, int FirstUse, int LastUse)
{
    public bool OverlapsInTime(BufferRequest other) => FirstUse <= other.LastUse && other.FirstUse <= LastUse;
}

/// <summary>Where a buffer lives: <see cref="Offset"/> bytes into the arena (a multiple of <see cref="MemoryPlan.Alignment"/>).</summary>
public sealed record BufferPlacement(BufferRequest Request, long Offset)
{
    /// <summary>The bytes it occupies, rounded up to the alignment (so the next buffer starts aligned).</summary>
    public long Size => MemoryPlan.Align(Request.Bytes);
    public long End => Offset + Size;
}

/// <summary>The static memory plan of a compiled program: every intermediate tensor (kernel outputs consumed later,
/// Block scratch) gets an offset in ONE arena, and buffers whose lifetimes do not overlap share bytes.
/// Placement is greedy by decreasing size, each buffer going into the smallest gap between the buffers already placed
/// that are alive at the same time (best fit), else above them — the strategy of TFLite's arena planner
/// (<c>GreedyMemoryPlanner</c>), which is near-optimal on the interval graphs that layer-by-layer programs make.
/// Deterministic: ties break by first use, then by request order.</summary>
public sealed class MemoryPlan
{
    /// <summary>Every buffer starts on a 64-byte boundary (a cache line; the widest vector register).</summary>
    public const long Alignment = 64;

    private MemoryPlan(ImmutableArray<BufferPlacement> placements)
    {
        Placements = placements;
        ArenaBytes = placements.IsEmpty ? 0 : placements.Max(p => p.End);
        IntermediateBytes = placements.Sum(p => p.Request.Bytes);
        PeakLiveBytes = placements.IsEmpty ? 0 : placements.Select(p => p.Request.FirstUse).Distinct()
            .Max(t => placements.Where(p => p.Request.FirstUse <= t && t <= p.Request.LastUse).Sum(p => p.Size));
    }

    /// <summary>The placements, in request order.</summary>
    public ImmutableArray<BufferPlacement> Placements { get; }

    /// <summary>Size of the one arena that holds every buffer.</summary>
    public long ArenaBytes { get; }

    /// <summary>What the buffers would take without reuse: the sum of their sizes.</summary>
    public long IntermediateBytes { get; }

    /// <summary>The most (aligned) bytes live at one step: no plan's arena can be smaller, so
    /// <see cref="ArenaBytes"/> / <see cref="PeakLiveBytes"/> says how close to optimal this plan is.</summary>
    public long PeakLiveBytes { get; }

    public static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    public static MemoryPlan Create(IReadOnlyList<BufferRequest> requests)
    {
        var offsets = new long[requests.Count];
        var order = Enumerable.Range(0, requests.Count)
            .OrderByDescending(i => Align(requests[i].Bytes)).ThenBy(i => requests[i].FirstUse).ThenBy(i => i).ToList();
        var placed = new List<int>();
        foreach (int i in order)
        {
            var r = requests[i];
            long size = Align(r.Bytes);
            // The placed buffers alive together with r, by offset: r must go in a gap between them.
            var neighbours = placed.Where(j => requests[j].OverlapsInTime(r)).OrderBy(j => offsets[j]).ToList();
            long best = -1, bestGap = long.MaxValue, cursor = 0;
            foreach (int j in neighbours)
            {
                long gap = offsets[j] - cursor;
                if (gap >= size && gap < bestGap) (best, bestGap) = (cursor, gap);
                cursor = Math.Max(cursor, offsets[j] + Align(requests[j].Bytes));
            }
            offsets[i] = best >= 0 ? best : cursor;
            placed.Add(i);
        }
        return new MemoryPlan([.. requests.Select((r, i) => new BufferPlacement(r, offsets[i]))]);
    }
}
