namespace Strata.Runtime;

/// <summary>Runs the body of a parallel loop over [begin, end) on one worker; <paramref name="worker"/> is in
/// [0, <see cref="WorkerPool.Workers"/>) and names the per-worker scratch to use (0 is the calling thread).</summary>
public delegate void ParallelBody(long begin, long end, int worker);

/// <summary>A small, low-overhead thread pool for the program instances of native kernels: <c>Workers - 1</c>
/// dedicated threads plus the calling thread. <see cref="For"/> gives each worker a contiguous share of [0, count),
/// claimed in chunks (<see cref="ChunkSize"/>, halved near a share's end: <see cref="TakeSize"/>); a worker out of work
/// takes chunks from the back of another's share, so faster workers take more. An idle worker spins on the
/// region counter for <see cref="SpinMicroseconds"/> (a kernel usually follows a kernel, and a run follows a run: as
/// ONNX Runtime's threads spin within a run) and then blocks on it (a futex, <see cref="WaitWord"/>); the caller wakes
/// workers only when one blocked, so a region that finds its workers spinning costs no system call. The caller, done
/// with its chunks, spins as long for the last chunk before it blocks. <see cref="Park"/> sends idle workers to block
/// at once (a session does so when a run returns, unless <c>SpinAfterRun</c>: ONNX Runtime's
/// <c>session.force_spinning_stop</c>). A loop that brings a <see cref="WorkEstimate"/> runs inline when every worker
/// is blocked and its last measured work is under <see cref="SmallLoopMicroseconds"/>: waking would cost more than it
/// saves. One parallel region runs at a time: a <see cref="For"/> that arrives while
/// another runs (a second <c>Run</c> on the same session) runs inline on its caller — no deadlock, no
/// oversubscription.</summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker watches for the next region before it blocks (and how long the caller spins
    /// for the region's last chunk).</summary>
    public const int SpinMicroseconds = 200;

    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    /// <summary>A loop with less work than this (one thread's time, <see cref="WorkEstimate"/>) runs inline while every
    /// worker sleeps. A split pays the wake-up and then halves what is left — about (work + wake) / 2 against the work,
    /// plus the last chunk's imbalance and the woken core's cold caches. On the 2-core KVM host a parked worker joined a
    /// region 15–25 µs after it began (8–10 µs of that the caller's wake call): a 23 µs LayerNorm 128×768 and a 28 µs
    /// MatMul 1×768·768×768 ran 3–5 µs slower split, a 65 µs Softmax 12×128×128 10–12 µs faster; the break-even lies
    /// near 37 µs. Where waking is cheaper this gives up little: only loops that find every worker asleep (the first
    /// after a pause) run inline. The host (a Firecracker guest, cpuidle haltpoll with guest_halt_poll_ns=0) halts an
    /// idle vCPU at once, so the wake is an IPI to a halted vCPU. bench/PoolWake with 160 µs of other work between
    /// runs: the worker joined 28 µs after the region began, and its chunks ran 10–18% slower than the caller's
    /// (their time per program): MatMul 256³ took 172–177 µs at 2 threads against 287 µs at 1. In the bench with each engine's runs
    /// back to back (--blocked, the worker still awake) it took 146 µs against ORT's 161, alternating 171 against 163:
    /// the 2-thread gap to ONNX Runtime at 256³ is this wake. ORT's pool pays it too (its Softmax 12×128×128 alone at
    /// 2 threads: 84 µs with the gap, 68 µs without).</summary>
    public const int SmallLoopMicroseconds = 40;

    private static readonly long SmallLoopTicks = System.Diagnostics.Stopwatch.Frequency * SmallLoopMicroseconds / 1_000_000;

    private readonly Thread[] _threads;
    /// <summary>The number of the latest region: workers watch it, and block on it when idle.</summary>
    private readonly WaitWord _generation = new();
    /// <summary>The number of the latest region whose chunks have all run: the caller blocks on it.</summary>
    private readonly WaitWord _finished = new();
    private volatile Region? _region;
    private int _sleepers;
    private int _callerWaits;
    private volatile bool _stopping;
    private volatile bool _parked;
    private int _busy;
    private long _regions, _wakes, _callerChunks, _workerChunks, _joins, _joinTicks, _inlineSmall;

    /// <param name="workers">Threads that run a region, the caller included (0: <see cref="Environment.ProcessorCount"/>).</param>
    public WorkerPool(int workers = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        Workers = workers == 0 ? Environment.ProcessorCount : workers;
        _threads = new Thread[Workers - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"strata-worker-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run a parallel region, the caller included.</summary>
    public int Workers { get; }

    /// <summary>Counters since the pool was made (diagnostics): parallel regions, wake-ups of blocked workers, chunks
    /// run by the caller and by workers, how many times a worker joined a region and how late after its start.</summary>
    public PoolCounters Counters => new(Volatile.Read(ref _regions), Volatile.Read(ref _wakes), Volatile.Read(ref _callerChunks),
        Volatile.Read(ref _workerChunks), Volatile.Read(ref _joins), Microseconds(Volatile.Read(ref _joinTicks)),
        Volatile.Read(ref _inlineSmall));

    private static double Microseconds(long ticks) => ticks * 1e6 / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Runs <paramref name="body"/> over [0, <paramref name="count"/>) in chunks, in parallel when
    /// <paramref name="parallel"/> and the pool is free (and count fits an int), else inline as one call <c>body(0, count, 0)</c>. Returns when
    /// every chunk has run; the first exception a chunk throws is rethrown here (the other chunks are skipped). With
    /// <paramref name="work"/>, the loop's work is measured into it, and a loop whose last measured work is small runs
    /// inline while the workers sleep (see <see cref="SmallLoopMicroseconds"/>).</summary>
    public void For(long count, ParallelBody body, bool parallel = true, WorkEstimate? work = null)
    {
        if (count <= 0) return;
        if (!parallel || count == 1 || Workers == 1 || _stopping || count > int.MaxValue)
        {
            RunInline(count, body, work);
            return;
        }
        if (work is not null && SmallForSleepingWorkers(work.Ticks))
        {
            Interlocked.Increment(ref _inlineSmall);
            RunInline(count, body, work);
            return;
        }
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            RunInline(count, body, work);
            return;
        }
        try
        {
            // Only a caller holding _busy moves the generation on (and Dispose, after the last region).
            int generation = Volatile.Read(ref _generation.Value) + 1;
            var region = new Region(this, generation, count, body, ChunkSize(count, Workers, work?.Ticks ?? 0));
            _region = region;
            _parked = false;
            _regions++;
            // A full fence, then read the sleeper count: a worker that counted itself before this store is woken; one
            // that counts itself after it finds the word changed and does not block (Dekker's pattern).
            Interlocked.Exchange(ref _generation.Value, generation);
            if (Volatile.Read(ref _sleepers) != 0)
            {
                _generation.WakeAll();
                _wakes++;
            }
            if (region.Work(0)) Volatile.Write(ref _finished.Value, generation);
            else AwaitLastChunk(generation);
            _region = null;
            work?.Add(region.OneThreadTicks);
            if (region.Error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>What one chunk costs beyond its programs, as <see cref="ChunkSize"/> assumes: a compare-exchange on a
    /// share, two clock reads, a call of the kernel, and the cache lines two workers share where their programs' outputs
    /// meet. Measured when every chunk also took two increments of counters both workers wrote (before the shares):
    /// squeezenet's 48-program 1×1 convs (≈ 70 µs of work) ran 40 → 71 µs at 2 threads as 48 chunks instead of 8,
    /// ≈ 0.75 µs per extra chunk.</summary>
    public const double ChunkOverheadMicroseconds = 1.0;

    /// <summary>Programs per chunk of a loop of <paramref name="count"/> programs over <paramref name="workers"/>,
    /// whose work takes one thread <paramref name="workTicks"/> (0: unknown). Chunks are claimed one at a time, so the
    /// workers end at most a chunk apart: n chunks of a loop of work T lose about T / 2n to that (less since the last
    /// claims are halved, <see cref="TakeSize"/>; the count was not measured again) and cost n · c
    /// (<see cref="ChunkOverheadMicroseconds"/>) spread over the workers, least at n = √(T · workers / 2c), between
    /// one per worker and one per program. A 28-program conv of 1.15 ms (one 28×28 plane's rows: inception_v2's 3×3
    /// 96→96) goes one program per chunk, 14:14 on two workers where four chunks per worker (what the pool used, and
    /// still uses for a loop not yet measured) made 7 chunks of 4, 16 rows against 12; a 70 µs loop keeps about 8
    /// chunks. Measured with one shared counter (before the shares), inception_v2 at 2 threads, fastest tenth of 30
    /// runs, 3 alternations: 22.0–22.2 → 21.4–21.6 ms; squeezenet unchanged (3.87–3.88 → 3.90–3.94 ms).</summary>
    public static long ChunkSize(long count, int workers, long workTicks)
    {
        if (workTicks <= 0) return Math.Max(1, (count + 4L * workers - 1) / (4L * workers));
        double micros = workTicks * 1e6 / System.Diagnostics.Stopwatch.Frequency;
        long chunks = Math.Min(count, Math.Max(workers, (long)Math.Round(Math.Sqrt(micros * workers / (2 * ChunkOverheadMicroseconds)))));
        return (count + chunks - 1) / chunks;
    }

    /// <summary>How many of the <paramref name="left"/> programs of a share one claim takes: a chunk, but at most half
    /// of what is left (the owner rounds up, a thief down; at least one), so the claims shrink near a share's end and
    /// the two workers' last chunks are small. It matters at the end of a region whose worker joined late or runs
    /// slower (every region that wakes a parked worker): with whole chunks the caller, out of programs, waited up to a
    /// chunk for the worker's last. Softmax 12×128×128 at 2 threads (96 programs, chunks of 12, a worker that joins
    /// 23–27 µs late) in bench/PoolWake, 3 alternations: p10 53.0–54.6 → 50.7–51.0 µs. A loop of one program per chunk
    /// is unchanged; a share whose owner is on time pays about log2(chunk) more claims.</summary>
    public static long TakeSize(long left, long chunk, bool steal) =>
        Math.Min(chunk, Math.Max(1, steal ? left / 2 : (left + 1) / 2));

    /// <summary>Whether a loop of this much work (ticks, 0: unknown) costs less than waking the workers, all of whom
    /// are blocked.</summary>
    private bool SmallForSleepingWorkers(long workTicks) =>
        workTicks > 0 && workTicks < SmallLoopTicks && Volatile.Read(ref _sleepers) >= Workers - 1;

    private static void RunInline(long count, ParallelBody body, WorkEstimate? work)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        body(0, count, 0);
        work?.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    /// <summary>The caller, out of chunks, waits for a worker's last one: spins, then blocks until the worker that
    /// completes the region publishes it.</summary>
    private void AwaitLastChunk(int generation)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _finished.Value) != generation)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(8);
                continue;
            }
            Interlocked.Exchange(ref _callerWaits, 1);
            // Until this region finishes the word holds the previous region's number.
            _finished.Wait(generation - 1);
            Volatile.Write(ref _callerWaits, 0);
        }
    }

    /// <summary>Called by the worker that completed a region's last chunk.</summary>
    private void Finish(int generation)
    {
        Interlocked.Exchange(ref _finished.Value, generation);
        if (Volatile.Read(ref _callerWaits) != 0) _finished.WakeAll();
    }

    private void WorkerLoop(int worker)
    {
        int seen = 0;
        while (true)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation.Value) == seen && !_stopping)
            {
                if (!_parked && System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    // Pauses, never a yield: a yield hands the core to another process for a time slice.
                    Thread.SpinWait(32);
                    continue;
                }
                Interlocked.Increment(ref _sleepers);
                _generation.Wait(seen);
                Interlocked.Decrement(ref _sleepers);
                start = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            if (_stopping) return;
            seen = Volatile.Read(ref _generation.Value);
            // The region may be newer than the generation seen: it carries its own number.
            if (_region is { } region && region.Work(worker)) Finish(region.Generation);
        }
    }

    /// <summary>Idle workers stop spinning and block until the next region (which wakes them with a signal): after the
    /// last region of a run, so no core is kept busy for work that may not come.</summary>
    public void Park() => _parked = true;

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.Increment(ref _generation.Value);
        _generation.WakeAll();
        foreach (var t in _threads) t.Join();
        _generation.Dispose();
        _finished.Dispose();
    }

    /// <summary>One parallel loop. Each worker owns a contiguous share of the programs (worker w the w-th of
    /// <see cref="Workers"/> equal parts) and claims chunks (<see cref="TakeSize"/>) from its front; a worker out of
    /// programs takes chunks from the back of another's share. So a kernel's programs split as contiguous halves on two
    /// workers — the split the previous kernel had, whose output rows are then in the same core's cache, and no program
    /// pairs that share a block of A or B sent to different cores — while a late or slow worker still ends at most a
    /// chunk after the other. A share is one 64-bit word (front, back) on its own cache line, changed with a
    /// compare-exchange: only a steal touches another worker's line. <see cref="Work"/> says whether its caller completed
    /// the last chunk. It times the chunks, for <see cref="WorkEstimate"/>.</summary>
    private sealed class Region
    {
        /// <summary>Longs per share: one cache line each.</summary>
        private const int Stride = 8;
        private readonly WorkerPool _pool;
        private readonly long _count;
        private readonly ParallelBody _body;
        private readonly long _chunk;
        private readonly long[] _shares;
        private long _done;
        private long _workTicks;
        private long _callerTicks, _callerPrograms;

        public Region(WorkerPool pool, int generation, long count, ParallelBody body, long chunk)
        {
            _pool = pool;
            Generation = generation;
            _count = count;
            _body = body;
            _chunk = chunk;
            int workers = pool.Workers;
            _shares = new long[workers * Stride];
            for (int w = 0; w < workers; w++) _shares[w * Stride] = Pack(count * w / workers, count * (w + 1) / workers);
        }

        public int Generation { get; }
        public long StartTicks { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
        /// <summary>One thread's time for the whole loop, read by the caller once the region finished: the caller's own
        /// programs' time scaled to all of them (its core's caches were warm and it waited for no wake-up; the woken
        /// core's chunks run slower at first), or every chunk's time where the caller ran none.</summary>
        public long OneThreadTicks => _callerPrograms > 0 ? _callerTicks * _count / _callerPrograms : Volatile.Read(ref _workTicks);
        public Exception? Error { get; private set; }

        private static long Pack(long front, long back) => front | back << 32;

        /// <summary>Takes up to a chunk from the front of share <paramref name="owner"/> (its owner) or from its back
        /// (a steal).</summary>
        private bool Take(int owner, bool fromBack, out long begin, out long end)
        {
            ref long share = ref _shares[owner * Stride];
            while (true)
            {
                long old = Volatile.Read(ref share);
                long front = old & 0xFFFF_FFFF, back = (long)((ulong)old >> 32);
                if (front >= back)
                {
                    begin = end = 0;
                    return false;
                }
                long n = TakeSize(back - front, _chunk, fromBack);
                (begin, end) = fromBack ? (back - n, back) : (front, front + n);
                long next = fromBack ? Pack(front, back - n) : Pack(front + n, back);
                if (Interlocked.CompareExchange(ref share, next, old) == old) return true;
            }
        }

        private bool Claim(int worker, out long begin, out long end)
        {
            if (Take(worker, fromBack: false, out begin, out end)) return true;
            int workers = _pool.Workers;
            for (int i = 1; i < workers; i++)
                if (Take((worker + i) % workers, fromBack: true, out begin, out end)) return true;
            return false;
        }

        public bool Work(int worker)
        {
            long chunks = 0, programs = 0, ticks = 0;
            while (Claim(worker, out long b, out long e))
            {
                long begin = System.Diagnostics.Stopwatch.GetTimestamp();
                if (chunks++ == 0 && worker != 0)
                {
                    Interlocked.Increment(ref _pool._joins);
                    Interlocked.Add(ref _pool._joinTicks, begin - StartTicks);
                }
                try
                {
                    if (Error is null) _body(b, e, worker);
                }
                catch (Exception ex)
                {
                    lock (this) Error ??= ex;
                }
                ticks += System.Diagnostics.Stopwatch.GetTimestamp() - begin;
                programs += e - b;
            }
            if (programs == 0) return false;
            Interlocked.Add(ref worker == 0 ? ref _pool._callerChunks : ref _pool._workerChunks, chunks);
            if (worker == 0)
            {
                _callerTicks = ticks;
                _callerPrograms = programs;
            }
            // Before this worker's programs count as done: the caller reads the sums once the last one is.
            Interlocked.Add(ref _workTicks, ticks);
            return Interlocked.Add(ref _done, programs) == _count;
        }
    }
}
