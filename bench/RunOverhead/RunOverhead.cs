#:project ../../src/Strata.Runtime
#:property Nullable=enable
#:property PublishAot=false
#:property AllowUnsafeBlocks=true
// Per-Run overhead of InferenceSession: a tiny one-kernel model and a chain of small kernels, run many times.
// dotnet run -c Release bench/RunOverhead/RunOverhead.cs [-- RUNS]
using System.Diagnostics;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Runtime;

int runs = args.Length > 0 ? int.Parse(args[0]) : 100_000;

Graph Tiny()
{
    var g = new GraphBuilder("tiny", 17);
    var x = g.Input("x", DataType.Float32, 1, 16);
    g.Output(g.Relu(x), "y");
    return g.Build();
}

// MatMuls do not fuse with each other: one kernel each.
Graph Chain(int n)
{
    var g = new GraphBuilder("chain", 17);
    var x = g.Input("x", DataType.Float32, 4, 16);
    var v = x;
    for (int i = 0; i < n; i++)
    {
        var w = new Tensor<float>([16, 16]);
        for (int j = 0; j < 16; j++) w.Span[j * 17] = 1f;
        v = g.MatMul(v, g.Constant($"w{i}", w));
    }
    g.Output(v, "y");
    return g.Build();
}

// A bench workload's size: what the overhead is next to a ~14 us kernel (and a 393 KB input and output).
Graph LayerNorm()
{
    var g = new GraphBuilder("layernorm", 17);
    var x = g.Input("x", DataType.Float32, 128, 768);
    var scale = new Tensor<float>([768]);
    scale.Span.Fill(1f);
    g.Output(g.LayerNormalization(x, g.Constant("scale", scale)), "y");
    return g.Build();
}

void Measure(string name, Graph graph, int threads, bool given, int runs)
{
    using var session = InferenceSession.Create(graph, new SessionOptions { Threads = threads });
    var shape = graph.Inputs[0].Type is TensorType { Shape: { } s } ? s.ToConcrete()! : throw new();
    var x = new Tensor<float>(shape);
    for (int i = 0; i < x.Length; i++) x.Span[i] = (i % 7) * 0.25f - 0.5f;
    var inputs = new Dictionary<string, RuntimeValue> { ["x"] = x };
    var first = session.Run(inputs);
    var outputs = new Dictionary<string, Tensor> { ["y"] = (Tensor)first["y"]! };
    int kernels = session.Stats!.Kernels.Length;
    if (Environment.GetEnvironmentVariable("RUNOVERHEAD_STATS") is not null) Console.WriteLine(session.Stats.Describe());
    void Once() { if (given) session.Run(inputs, outputs); else session.Run(inputs); }
    for (int i = 0; i < runs / 10; i++) Once();
    double best = double.MaxValue, bestCpu = double.MaxValue; long alloc = 0; string gcs = "";
    for (int rep = 0; rep < 5; rep++)
    {
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        int g0 = GC.CollectionCount(0), g2 = GC.CollectionCount(2);
        var cpu0 = ThreadCpu();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++) Once();
        sw.Stop();
        var cpu = ThreadCpu() - cpu0;
        alloc = (GC.GetAllocatedBytesForCurrentThread() - a0) / runs;
        gcs = $"{GC.CollectionCount(0) - g0}/{GC.CollectionCount(2) - g2}";
        best = Math.Min(best, sw.Elapsed.TotalMicroseconds / runs);
        bestCpu = Math.Min(bestCpu, cpu.TotalMicroseconds / runs);
    }
    // The kernels' own wall time (a profiled run reads the clocks around each), to set the run's overhead beside.
    double kernelsUs = double.MaxValue;
    for (int rep = 0; rep < 5; rep++)
    {
        var profile = new RunProfile();
        int n = Math.Max(1, runs / 10);
        for (int i = 0; i < n; i++) session.Run(inputs, outputs, profile);
        kernelsUs = Math.Min(kernelsUs, profile.Total.TotalMicroseconds / n);
    }
    Console.WriteLine($"{name,-10} kernels {kernels,2} threads {threads} {(given ? "given-out" : "fresh-out"),-9}  wall {best,7:F2} us/run  cpu {bestCpu,7:F2} us/run  alloc {alloc,5} B/run  GCs gen0/gen2 {gcs,9}  kernels-only {kernelsUs,7:F2} us");
}

static TimeSpan ThreadCpu()
{
    Native.clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t);
    return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
}

foreach (var threads in new[] { 1, 2 })
    foreach (var given in new[] { false, true })
    {
        Measure("relu 1x16", Tiny(), threads, given, runs);
        Measure("matmul x8", Chain(8), threads, given, runs);
        Measure("layernorm", LayerNorm(), threads, given, runs / 20);
    }

static class Native
{
    public struct TimeSpec { public long Seconds; public long Nanoseconds; }
    [System.Runtime.InteropServices.DllImport("libc")] public static extern int clock_gettime(int clock, out TimeSpec time);
}
