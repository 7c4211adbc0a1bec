#:project ../../src/Strata.Runtime
#:property Nullable=enable
#:property PublishAot=false
#:property AllowUnsafeBlocks=true
// What a 2-thread run of a one-kernel model pays for its worker pool when the workers park between runs (the bench's
// default: SessionOptions.SpinAfterRun = false, as ORT's session.force_spinning_stop = 1): Softmax 12x128x128,
// LayerNorm 128x768, MatMul 1x768.768x768 and 256x256.256x256 at 1 and 2 threads, with GAP us of other work on the caller between runs
// (the other engine's run in the interleaved bench). Prints wall and caller CPU medians and the pool's counters.
// dotnet run -c Release bench/PoolWake/PoolWake.cs [-- RUNS GAP]
// On a loaded host the scheduler may queue a woken worker behind its waker: compare A/B runs only on a quiet machine
// (or as root: chrt -f 10 with the threads on separate cores; that is how the numbers in WorkerPool.cs were taken).
using System.Diagnostics;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Runtime;

int runs = args.Length > 0 ? int.Parse(args[0]) : 2000;
double gapUs = args.Length > 1 ? double.Parse(args[1]) : 60;
var rnd = new Random(1);
double ticksPerUs = Stopwatch.Frequency / 1e6;

Tensor<float> Random(params int[] shape)
{
    var t = new Tensor<float>(shape);
    for (int i = 0; i < t.Length; i++) t.Span[i] = (float)(rnd.NextDouble() * 2 - 1);
    return t;
}

Graph Softmax()
{
    var g = new GraphBuilder("softmax", 17);
    var x = g.Input("x", DataType.Float32, 12, 128, 128);
    g.Output(g.Softmax(g.Mul(x, g.Scalar(4.0)), axis: -1), "y");
    return g.Build();
}

Graph LayerNorm()
{
    var g = new GraphBuilder("layernorm", 17);
    var x = g.Input("x", DataType.Float32, 128, 768);
    g.Output(g.LayerNormalization(x, g.Constant("s", Random(1, 768)), g.Constant("b", Random(1, 768)), axis: -1, epsilon: 1e-5f), "y");
    return g.Build();
}

Graph MatMul256()
{
    var g = new GraphBuilder("matmul256", 17);
    var x = g.Input("x", DataType.Float32, 256, 256);
    g.Output(g.MatMul(x, g.Constant("w", Random(256, 256))), "y");
    return g.Build();
}

Graph MatVec()
{
    var g = new GraphBuilder("matvec", 17);
    var x = g.Input("x", DataType.Float32, 1, 768);
    g.Output(g.MatMul(x, g.Constant("w", Random(768, 768))), "y");
    return g.Build();
}

void Busy(double us)
{
    long end = Stopwatch.GetTimestamp() + (long)(us * ticksPerUs);
    while (Stopwatch.GetTimestamp() < end) { }
}

void Measure(string name, Graph graph, int threads)
{
    using var session = InferenceSession.Create(graph, new SessionOptions { Threads = threads, SpinAfterRun = false });
    var shape = graph.Inputs[0].Type is TensorType { Shape: { } s } ? s.ToConcrete()! : throw new InvalidOperationException();
    var inputs = new Dictionary<string, RuntimeValue> { ["x"] = Random(shape) };
    var outputs = new Dictionary<string, Tensor> { ["y"] = (Tensor)session.Run(inputs)["y"]! };
    for (int i = 0; i < 200; i++) session.Run(inputs, outputs);
    var c0 = session.WorkerCounters!.Value;
    var wall = new double[runs];
    var cpu = new double[runs];
    for (int i = 0; i < runs; i++)
    {
        Busy(gapUs);
        var cpu0 = Native.ThreadCpu();
        long t0 = Stopwatch.GetTimestamp();
        session.Run(inputs, outputs);
        wall[i] = (Stopwatch.GetTimestamp() - t0) / ticksPerUs;
        cpu[i] = (Native.ThreadCpu() - cpu0).TotalMicroseconds;
    }
    var c = session.WorkerCounters!.Value;
    Array.Sort(wall);
    Array.Sort(cpu);
    long regions = c.Regions - c0.Regions, chunks = c.CallerChunks - c0.CallerChunks + c.WorkerChunks - c0.WorkerChunks;
    long joins = c.Joins - c0.Joins;
    Console.WriteLine($"{name,-10} {threads}t: wall {wall[runs / 2],6:F1} us (p10 {wall[runs / 10],6:F1}, p90 {wall[runs * 9 / 10],6:F1}), " +
        $"caller cpu {cpu[runs / 2],6:F1} us | per run: regions {regions / (double)runs:F2}, wake-ups {(c.Wakes - c0.Wakes) / (double)runs:F2}, " +
        $"inline small {(c.InlineSmall - c0.InlineSmall) / (double)runs:F2}; worker chunks {(chunks == 0 ? 0 : (c.WorkerChunks - c0.WorkerChunks) / (double)chunks):P0}, " +
        $"worker joined {(regions == 0 ? 0 : joins / (double)regions):P0} of regions, {(joins == 0 ? 0 : (c.JoinMicroseconds - c0.JoinMicroseconds) / joins):F1} us after the start");
}

foreach (var (name, graph) in new[] { ("softmax", Softmax()), ("layernorm", LayerNorm()), ("matvec", MatVec()), ("matmul256", MatMul256()) })
    foreach (int threads in new[] { 1, 2 })
        Measure(name, graph, threads);

static class Native
{
    public struct TimeSpec { public long Seconds; public long Nanoseconds; }
    [System.Runtime.InteropServices.DllImport("libc")] private static extern int clock_gettime(int clock, out TimeSpec time);
    public static TimeSpan ThreadCpu()
    {
        clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t);
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }
}
