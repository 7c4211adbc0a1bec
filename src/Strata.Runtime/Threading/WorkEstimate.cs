namespace Strata.Runtime;

/// <summary>What a parallel loop's work costs one thread, in <see cref="System.Diagnostics.Stopwatch"/> ticks (0: not
/// run yet), from the times of its runs. A loop that runs again and again (a kernel's program instances) keeps one and
/// passes it to <see cref="WorkerPool.For"/>. A faster run is taken at once, a slower one moves the estimate an eighth
/// of the way: a run the scheduler interrupted, or a split whose chunks competed for memory, does not flip a small loop
/// to parallel and back.</summary>
public sealed class WorkEstimate
{
    private long _ticks;

    public long Ticks => Volatile.Read(ref _ticks);

    /// <summary>Folds in one run's time (concurrent runs may race: the estimate is a hint).</summary>
    public void Add(long ticks)
    {
        long old = Ticks;
        Volatile.Write(ref _ticks, old == 0 || ticks < old ? ticks : old + (ticks - old) / 8);
    }
}
