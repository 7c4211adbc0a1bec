using CsCheck;

namespace Strata.Runtime.Tests;

public sealed class MemoryPlanTests
{
    [Fact]
    public void ChainReusesTheBufferOfAValueNoLongerLive()
    {
        // a(0..1) b(1..2) c(2..3): a and c never live together, so c takes a's bytes.
        var plan = MemoryPlan.Create([new("a", 1000, 0, 1), new("b", 1000, 1, 2), new("c", 1000, 2, 3)]);
        Assert.Equal(2 * 1024, plan.ArenaBytes);
        Assert.Equal(3000, plan.IntermediateBytes);
        Assert.Equal(plan.Placements[0].Offset, plan.Placements[2].Offset);
        Assert.NotEqual(plan.Placements[0].Offset, plan.Placements[1].Offset);
    }

    [Fact]
    public void LaterBuffersFillTheGapsLeftBetweenBuffersOfOtherLifetimes()
    {
        // a (0..1) and b (2..3) share offset 0; c is live with both, so it goes above a, leaving [1024, 2048) free
        // during steps 2..3, where d and then e fit (best fit: e takes what d left, not a new region).
        var plan = MemoryPlan.Create([
            new("a", 2048, 0, 1), new("b", 1024, 2, 3), new("c", 1024, 0, 3), new("d", 512, 2, 3), new("e", 256, 2, 3)]);
        Assert.Equal([0L, 0, 2048, 1024, 1536], plan.Placements.Select(p => p.Offset));
        Assert.Equal(3072, plan.ArenaBytes);
    }

    [Fact]
    public void EmptyPlanHasNoArena()
    {
        var plan = MemoryPlan.Create([]);
        Assert.Equal(0, plan.ArenaBytes);
        Assert.Equal(0, plan.IntermediateBytes);
    }

    private static readonly Gen<BufferRequest[]> Requests =
        Gen.Select(Gen.Long[0, 5000], Gen.Int[0, 30], Gen.Int[0, 8], (bytes, first, length) => (bytes, first, length))
            .Array[0, 40]
            .Select(a => a.Select((r, i) => new BufferRequest($"b{i}", r.bytes, r.first, r.first + r.length)).ToArray());

    [Fact]
    public void NoTwoBuffersLiveAtTheSameTimeOverlap_AndTheArenaIsBoundedBothWays()
    {
        Requests.Sample(requests =>
        {
            var plan = MemoryPlan.Create(requests);
            var p = plan.Placements;
            Assert.Equal(requests.Length, p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                Assert.Same(requests[i], p[i].Request);
                Assert.Equal(0, p[i].Offset % MemoryPlan.Alignment);
                Assert.True(p[i].Offset + p[i].Request.Bytes <= plan.ArenaBytes);
                for (int j = i + 1; j < p.Length; j++)
                    if (p[i].Request.OverlapsInTime(p[j].Request) && p[i].Request.Bytes > 0 && p[j].Request.Bytes > 0)
                        Assert.True(p[i].Offset + p[i].Request.Bytes <= p[j].Offset || p[j].Offset + p[j].Request.Bytes <= p[i].Offset,
                            $"{p[i]} and {p[j]} overlap");
            }
            // Never more than no reuse at all; never less than what is live at the busiest step.
            Assert.True(plan.ArenaBytes <= requests.Sum(r => MemoryPlan.Align(r.Bytes)));
            long peak = requests.Length == 0 ? 0 : Enumerable.Range(0, 40)
                .Max(t => requests.Where(r => r.FirstUse <= t && t <= r.LastUse).Sum(r => r.Bytes));
            Assert.True(plan.ArenaBytes >= peak);
        });
    }

    [Fact]
    public void PlanIsDeterministic()
    {
        Requests.Sample(requests =>
            Assert.Equal(MemoryPlan.Create(requests).Placements.Select(x => x.Offset), MemoryPlan.Create(requests).Placements.Select(x => x.Offset)));
    }
}
