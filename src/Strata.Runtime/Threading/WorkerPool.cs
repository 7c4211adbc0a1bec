namespace Strata.Runtime;

/// <summary>Runs the body of a parallel loop over [begin, end) on one worker; <paramref name="worker"/> is in
/// [0, <see cref="WorkerPool.Workers"/>) and names the per-worker scratch to use (0 is the calling thread).</summary>
public delegate void ParallelBody(long begin, long end, int worker);

/// <summary>A small, low-overhead thread pool for the program instances of native kernels: <c>Workers - 1</c>
/// dedicated threads plus the calling thread. <see cref="For"/> splits [0, count) into about four chunks per worker,
/// claimed with <see cref="Interlocked.Increment(ref long)"/> so faster workers take more. An idle worker spins on the
/// region counter for <see cref="SpinMicroseconds"/> (a kernel usually follows a kernel, and a run follows a run: as
/// ONNX Runtime's threads spin within a run) and then blocks; the caller signals only workers that blocked, so a region
/// that finds its workers spinning costs no system call. <see cref="Park"/> sends idle workers to block at once (a
/// session does so when a run returns, unless <c>SpinAfterRun</c>: ONNX Runtime's <c>session.force_spinning_stop</c>).
/// One parallel region runs at a time: a <see cref="For"/> that
/// arrives while another runs (a second <c>Run</c> on the same session) runs inline on its caller — no deadlock, no
/// oversubscription.</summary>
public sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 2000;

    /// <summary>How long an idle worker watches for the next region before it blocks.</summary>
    public const int SpinMicroseconds = 200;

    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _wake;
    private readonly int[] _sleeping;
    private volatile Region? _region;
    private int _generation;
    private volatile bool _stopping;
    private volatile bool _parked;
    private int _busy;

    /// <param name="workers">Threads that run a region, the caller included (0: <see cref="Environment.ProcessorCount"/>).</param>
    public WorkerPool(int workers = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        Workers = workers == 0 ? Environment.ProcessorCount : workers;
        _threads = new Thread[Workers - 1];
        _wake = new ManualResetEventSlim[Workers - 1];
        _sleeping = new int[Workers - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new ManualResetEventSlim(false, 1);
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"strata-worker-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run a parallel region, the caller included.</summary>
    public int Workers { get; }

    /// <summary>Runs <paramref name="body"/> over [0, <paramref name="count"/>) in chunks, in parallel when
    /// <paramref name="parallel"/> and the pool is free, else inline as one call <c>body(0, count, 0)</c>. Returns when
    /// every chunk has run; the first exception a chunk throws is rethrown here (the other chunks are skipped).</summary>
    public void For(long count, ParallelBody body, bool parallel = true)
    {
        if (count <= 0) return;
        if (!parallel || count == 1 || Workers == 1 || _stopping || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            body(0, count, 0);
            return;
        }
        try
        {
            var region = new Region(count, body, Math.Max(1, (count + 4L * Workers - 1) / (4L * Workers)));
            _region = region;
            _parked = false;
            // Full fence, then read the sleep flags: a worker that set its flag before this increment is woken; one
            // that sets it after sees the new generation and does not block (Dekker's pattern).
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < _wake.Length; i++)
                if (Volatile.Read(ref _sleeping[i]) != 0) _wake[i].Set();
            region.Work(0);
            region.Finished.Wait();
            _region = null;
            if (region.Error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void WorkerLoop(int worker)
    {
        var wake = _wake[worker - 1];
        int seen = 0;
        while (true)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && !_stopping)
            {
                if (!_parked && System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    // Pauses, never a yield: a yield hands the core to another process for a time slice.
                    Thread.SpinWait(32);
                    continue;
                }
                Interlocked.Exchange(ref _sleeping[worker - 1], 1);
                if (Volatile.Read(ref _generation) == seen && !_stopping) wake.Wait();
                wake.Reset();
                Volatile.Write(ref _sleeping[worker - 1], 0);
                start = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            if (_stopping) return;
            seen = Volatile.Read(ref _generation);
            _region?.Work(worker);
        }
    }

    /// <summary>Idle workers stop spinning and block until the next region (which wakes them with a signal): after the
    /// last region of a run, so no core is kept busy for work that may not come.</summary>
    public void Park() => _parked = true;

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (var w in _wake) w.Set();
        foreach (var t in _threads) t.Join();
        foreach (var w in _wake) w.Dispose();
    }

    /// <summary>One parallel loop: chunks are claimed by index; the thread that completes the last chunk signals.</summary>
    private sealed class Region(long count, ParallelBody body, long chunk)
    {
        private readonly long _chunks = (count + chunk - 1) / chunk;
        private long _next = -1;
        private long _done;

        public ManualResetEventSlim Finished { get; } = new(false, SpinIterations);
        public Exception? Error { get; private set; }

        public void Work(int worker)
        {
            long c;
            while ((c = Interlocked.Increment(ref _next)) < _chunks)
            {
                try
                {
                    if (Error is null) body(c * chunk, Math.Min(count, (c + 1) * chunk), worker);
                }
                catch (Exception e)
                {
                    lock (this) Error ??= e;
                }
                if (Interlocked.Increment(ref _done) == _chunks) Finished.Set();
            }
        }
    }
}
