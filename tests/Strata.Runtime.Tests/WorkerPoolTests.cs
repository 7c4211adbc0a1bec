using CsCheck;

namespace Strata.Runtime.Tests;

public sealed class WorkerPoolTests
{
    [Fact]
    public void EveryIndexRunsExactlyOnce_OnAWorkerInRange()
    {
        using var pool = new WorkerPool(4);
        Gen.Long[0, 5000].Sample(count =>
        {
            var hits = new int[count];
            int badWorker = 0;
            pool.For(count, (begin, end, worker) =>
            {
                if (worker < 0 || worker >= pool.Workers) Interlocked.Increment(ref badWorker);
                for (long i = begin; i < end; i++) Interlocked.Increment(ref hits[i]);
            });
            Assert.Equal(0, badWorker);
            Assert.All(hits, h => Assert.Equal(1, h));
        }, iter: 200);
    }

    [Fact]
    public void UsesSeveralThreadsForEnoughWork()
    {
        using var pool = new WorkerPool(4);
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        for (int attempt = 0; attempt < 50 && threads.Count < 2; attempt++)
            pool.For(64, (b, e, w) => { threads[Environment.CurrentManagedThreadId] = true; Thread.Sleep(1); });
        Assert.True(threads.Count >= 2, "the region never ran on a worker thread");
    }

    [Fact]
    public void WorkersThatBlockedAfterSpinningAreWokenForTheNextRegion()
    {
        // Pauses around the spin time: regions arrive while workers spin, while they fall asleep, and after.
        using var pool = new WorkerPool(3);
        var rng = new Random(5);
        int shared = 0;
        for (int r = 0; r < 40; r++)
        {
            Thread.Sleep(TimeSpan.FromMicroseconds(rng.Next(0, 3 * WorkerPool.SpinMicroseconds)));
            var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            var hits = new int[48];
            pool.For(hits.Length, (b, e, w) =>
            {
                threads[Environment.CurrentManagedThreadId] = true;
                for (long i = b; i < e; i++) Interlocked.Increment(ref hits[i]);
                if (r % 8 == 0) Thread.Sleep(1); // sometimes long enough for every worker to join
            });
            Assert.All(hits, h => Assert.Equal(1, h));
            if (threads.Count >= 2) shared++;
        }
        Assert.True(shared > 0, "no region ran on a worker thread");
    }

    [Fact]
    public void ParkedWorkersAreWokenForTheNextRegion()
    {
        // Park after every region (a session with SpinAfterRun = false does so after each run), with and without a
        // pause: every region completes, every index once, and parked workers still take chunks.
        using var pool = new WorkerPool(3);
        int shared = 0;
        for (int r = 0; r < 40; r++)
        {
            pool.Park();
            if (r % 2 == 0) Thread.Sleep(1);
            var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            var hits = new int[48];
            pool.For(hits.Length, (b, e, w) =>
            {
                threads[Environment.CurrentManagedThreadId] = true;
                for (long i = b; i < e; i++) Interlocked.Increment(ref hits[i]);
                Thread.Sleep(1);
            });
            Assert.All(hits, h => Assert.Equal(1, h));
            if (threads.Count >= 2) shared++;
        }
        Assert.True(shared > 0, "no region ran on a worker thread after parking");
    }

    [Fact]
    public async Task ACallerThatBlockedForTheLastChunkIsWoken()
    {
        // The worker's chunk outlasts the caller's spin (SpinMicroseconds): the caller blocks on the finished word and
        // the worker that completes the region must wake it; with the pool's workers parked and spinning alike.
        using var pool = new WorkerPool(2);
        var regions = Task.Run(() =>
        {
            for (int r = 0; r < 6; r++)
            {
                if (r % 2 == 0) pool.Park();
                int caller = Environment.CurrentManagedThreadId;
                var hits = new int[2];
                pool.For(2, (b, e, w) =>
                {
                    for (long i = b; i < e; i++) Interlocked.Increment(ref hits[i]);
                    // The caller's chunk waits until the worker has taken the other one: the worker runs the last chunk.
                    if (Environment.CurrentManagedThreadId == caller) SpinWait.SpinUntil(() => Volatile.Read(ref hits[1]) == 1, 2000);
                    else Thread.Sleep(3 * WorkerPool.SpinMicroseconds / 1000 + 2);
                });
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        });
        Assert.Same(regions, await Task.WhenAny(regions, Task.Delay(TimeSpan.FromSeconds(10))));
        await regions;
    }

    [Fact]
    public async Task DisposeReturnsWithWorkersBlocked()
    {
        var pool = new WorkerPool(3);
        pool.For(8, (b, e, w) => { });
        pool.Park();
        await Task.Delay(20); // every worker blocks
        var dispose = Task.Run(pool.Dispose);
        Assert.Same(dispose, await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public void ASmallLoopRunsInlineWhileEveryWorkerSleeps_AndWakesNoOne()
    {
        using var pool = new WorkerPool(3);
        var work = new WorkEstimate();
        work.Add(1); // far below SmallLoopMicroseconds
        bool inline = false;
        // Parked workers block at once; a loaded test host may take a while to run them that far: retry.
        for (int attempt = 0; attempt < 10 && !inline; attempt++)
        {
            pool.Park();
            Thread.Sleep(20);
            var before = pool.Counters;
            var calls = new List<(long, long, int)>();
            pool.For(64, (b, e, w) => { lock (calls) calls.Add((b, e, w)); }, work: work);
            inline = calls.Count == 1;
            if (inline)
            {
                Assert.Equal([(0L, 64L, 0)], calls);
                Assert.Equal(before.InlineSmall + 1, pool.Counters.InlineSmall);
                Assert.Equal(before.Wakes, pool.Counters.Wakes);
            }
            else Assert.Equal(64, calls.Sum(c => c.Item2 - c.Item1));
        }
        Assert.True(inline, "a small loop woke the sleeping workers");
        Assert.True(work.Ticks > 0);
    }

    [Fact]
    public void ALoopIsClaimedInChunksOfChunkSize_EachWithinOneWorkersShare()
    {
        using var pool = new WorkerPool(2);
        Gen.Select(Gen.Long[1, 20_000], Gen.Bool).Sample((count, measured) =>
        {
            var chunks = new System.Collections.Concurrent.ConcurrentBag<(long Begin, long End)>();
            long ticks = measured ? System.Diagnostics.Stopwatch.Frequency / 100 : 0; // 10 ms of work
            var estimate = new WorkEstimate();
            if (measured) estimate.Add(ticks);
            long size = WorkerPool.ChunkSize(count, pool.Workers, estimate.Ticks);
            pool.For(count, (b, e, w) => chunks.Add((b, e)), work: measured ? estimate : null);
            var sorted = chunks.OrderBy(c => c.Begin).ToList();
            Assert.Equal(0, sorted[0].Begin);
            for (int i = 0; i < sorted.Count; i++)
            {
                // At most a chunk, within one worker's contiguous share (its half of the loop on two workers).
                Assert.InRange(sorted[i].End - sorted[i].Begin, 1, size);
                long share = Enumerable.Range(0, pool.Workers).Last(w => count * w / pool.Workers <= sorted[i].Begin);
                Assert.True(sorted[i].End <= count * (share + 1) / pool.Workers, $"chunk {sorted[i]} of {count} crosses a share");
                if (i > 0) Assert.Equal(sorted[i - 1].End, sorted[i].Begin);
            }
            Assert.Equal(count, sorted[^1].End);
        }, threads: 1); // one loop at a time: a second one arriving would run inline
    }

    [Fact]
    public void ChunksFollowTheLoopsWork_OnePerProgramForALongLoopOfFewPrograms()
    {
        long Micros(double us) => (long)(us * System.Diagnostics.Stopwatch.Frequency / 1e6);
        long Chunks(long count, long ticks) => (count + WorkerPool.ChunkSize(count, 2, ticks) - 1) / WorkerPool.ChunkSize(count, 2, ticks);
        // A 28-program conv of 1.15 ms: every program its own chunk (14:14 on two workers), not 7 chunks of 4.
        Assert.Equal(28, Chunks(28, Micros(1150)));
        // A 70 µs loop of 48 small programs: few chunks (each costs about a microsecond).
        Assert.InRange(Chunks(48, Micros(70)), 2, 12);
        // More work, more chunks (never fewer than the workers, never more than the programs).
        Gen.Select(Gen.Long[1, 100_000], Gen.Double[1, 100_000]).Sample((count, us) =>
        {
            long n = Chunks(count, Micros(us)), more = Chunks(count, Micros(us * 4));
            Assert.InRange(n, Math.Min(count, 2), count);
            Assert.True(more >= n, $"{count} programs: {n} chunks for {us} µs, {more} for 4×");
        });
        // Not yet measured: four chunks per worker.
        Assert.Equal(8, Chunks(64, 0));
    }

    [Fact]
    public void ClaimsTakeAChunkButAtMostHalfOfWhatIsLeft()
    {
        // The owner of a share of 30 programs with chunks of 12: a chunk, then half of what is left (rounded up).
        var owner = new List<long>();
        for (long left = 30; left > 0; left -= owner[^1]) owner.Add(WorkerPool.TakeSize(left, 12, steal: false));
        Assert.Equal([12L, 9, 5, 2, 1, 1], owner);
        // A thief rounds down and leaves the owner the larger half; the last program it takes whole.
        Assert.Equal(12, WorkerPool.TakeSize(100, 12, steal: true));
        Assert.Equal(3, WorkerPool.TakeSize(7, 12, steal: true));
        Assert.Equal(1, WorkerPool.TakeSize(1, 12, steal: true));
        // A loop of one program per chunk claims one at a time, as before.
        Gen.Select(Gen.Long[1, 1000], Gen.Bool).Sample((left, steal) => Assert.Equal(1, WorkerPool.TakeSize(left, 1, steal)));
        // Never more than a chunk or what is left, never nothing.
        Gen.Select(Gen.Long[1, 10_000], Gen.Long[1, 1000], Gen.Bool).Sample((left, chunk, steal) =>
            Assert.InRange(WorkerPool.TakeSize(left, chunk, steal), 1, Math.Min(left, chunk)));
    }

    [Fact]
    public void ALargeOrUnmeasuredLoopWakesSleepingWorkers()
    {
        using var pool = new WorkerPool(2);
        var large = new WorkEstimate();
        large.Add(System.Diagnostics.Stopwatch.Frequency); // a second
        foreach (var work in new[] { large, new WorkEstimate(), null })
        {
            bool woke = false;
            for (int attempt = 0; attempt < 10 && !woke; attempt++)
            {
                pool.Park();
                Thread.Sleep(20);
                var before = pool.Counters;
                int calls = 0;
                long size = WorkerPool.ChunkSize(64, pool.Workers, work?.Ticks ?? 0);
                pool.For(64, (b, e, w) => Interlocked.Increment(ref calls), work: work);
                Assert.InRange(calls, (64 + size - 1) / size, 64); // never inline: at least a call per chunk
                Assert.Equal(before.InlineSmall, pool.Counters.InlineSmall);
                woke = pool.Counters.Wakes > before.Wakes;
            }
            Assert.True(woke, "the workers never slept");
        }
    }

    [Fact]
    public void ASmallLoopRunInlineStillThrows()
    {
        using var pool = new WorkerPool(2);
        var work = new WorkEstimate();
        work.Add(1);
        for (int r = 0; r < 4; r++)
        {
            pool.Park();
            if (r % 2 == 0) Thread.Sleep(5);
            var e = Assert.Throws<InvalidOperationException>(() =>
                pool.For(100, (b, e, w) => { if (b <= 50 && 50 < e) throw new InvalidOperationException("index 50"); }, work: work));
            Assert.Equal("index 50", e.Message);
        }
    }

    [Fact]
    public void AWorkEstimateTakesAFasterRunAtOnce_AndMovesAnEighthTowardsASlowerOne()
    {
        var work = new WorkEstimate();
        Assert.Equal(0, work.Ticks);
        work.Add(800);
        Assert.Equal(800, work.Ticks);
        work.Add(1600);
        Assert.Equal(900, work.Ticks);
        work.Add(100);
        Assert.Equal(100, work.Ticks);
    }

    [Fact]
    public void NotParallelRunsInlineAsOneCall()
    {
        using var pool = new WorkerPool(4);
        var calls = new List<(long, long, int)>();
        pool.For(100, (b, e, w) => calls.Add((b, e, w)), parallel: false);
        Assert.Equal([(0L, 100L, 0)], calls);
    }

    [Fact]
    public void TheFirstExceptionOfAChunkIsRethrown_AndThePoolStillWorks()
    {
        using var pool = new WorkerPool(3);
        var e = Assert.Throws<InvalidOperationException>(() =>
            pool.For(1000, (b, e, w) => { if (b <= 500 && 500 < e) throw new InvalidOperationException("chunk 500"); }));
        Assert.Equal("chunk 500", e.Message);
        long sum = 0;
        pool.For(1000, (b, e, w) => { for (long i = b; i < e; i++) Interlocked.Add(ref sum, i); });
        Assert.Equal(999L * 1000 / 2, sum);
    }

    [Fact]
    public void ConcurrentRegionsFromSeveralThreadsAllComplete()
    {
        using var pool = new WorkerPool(4);
        var sums = new long[8];
        var shared = new WorkEstimate(); // small after its first run: inline whenever the workers sleep
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            for (int rep = 0; rep < 50; rep++)
            {
                if (rep % 10 == 0) pool.Park();
                pool.For(1000, (b, e, w) => { for (long i = b; i < e; i++) Interlocked.Add(ref sums[t], i); },
                    work: t % 2 == 0 ? shared : null);
            }
        });
        Assert.All(sums, s => Assert.Equal(50L * 999 * 1000 / 2, s));
    }

    [Fact]
    public void ASingleWorkerPoolRunsOnTheCaller()
    {
        using var pool = new WorkerPool(1);
        int caller = Environment.CurrentManagedThreadId, other = 0;
        pool.For(100, (b, e, w) => { if (Environment.CurrentManagedThreadId != caller) other++; });
        Assert.Equal(0, other);
    }
}
