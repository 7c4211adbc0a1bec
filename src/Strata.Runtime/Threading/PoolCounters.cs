namespace Strata.Runtime;

/// <summary>A <see cref="WorkerPool"/>'s counters (<see cref="WorkerPool.Counters"/>).</summary>
/// <param name="Regions">Parallel regions run (not the inline ones).</param>
/// <param name="Wakes">Regions that had to wake a blocked worker (a system call).</param>
/// <param name="CallerChunks">Chunks the calling thread ran.</param>
/// <param name="WorkerChunks">Chunks the pool's threads ran.</param>
/// <param name="Joins">(region, worker) pairs where the worker ran at least one chunk.</param>
/// <param name="JoinMicroseconds">Sum over joins of the time from the region's start to the worker's first chunk.</param>
/// <param name="InlineSmall">Loops run inline because their work was under
/// <see cref="WorkerPool.SmallLoopMicroseconds"/> while every worker slept.</param>
public readonly record struct PoolCounters(long Regions, long Wakes, long CallerChunks, long WorkerChunks, long Joins,
    double JoinMicroseconds, long InlineSmall);
