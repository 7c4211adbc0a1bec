using System.Text;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Text;
using Xunit.Abstractions;

namespace Strata.Backends.Clr.Tests;

/// <summary>A register-blocked 6×2 v8f32 FMA micro-kernel (the GEMM inner kernel the tuner will produce): correct
/// against the interpreter, and compiled (verify + bounds analysis + IL + JIT) in milliseconds.</summary>
public class CompileTimeTests(ITestOutputHelper output)
{
    /// <summary>C[6,16] = A[6,K] · B[K,16] with 12 v8f32 accumulators; the k loop is unrolled <paramref name="unroll"/> times.</summary>
    public static string MicroKernel(string name, int k, int unroll)
    {
        var s = new StringBuilder();
        s.AppendLine($"machine.kernel @{name} target(x86-64-avx2) (%a: ptr<f32>[6,{k}], %b: ptr<f32>[{k},16], %c: ptr<f32>[6,16] output) programs(1) {{");
        s.AppendLine("  %c0 = const 0 : i64");
        s.AppendLine("  %c1 = const 1 : i64");
        s.AppendLine("  %c8 = const 8 : i64");
        s.AppendLine("  %c16 = const 16 : i64");
        s.AppendLine($"  %ck = const {k} : i64");
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 2; j++) s.AppendLine($"  %acc{r}{j} = const 0.0 : v8f32");
        s.AppendLine($"  loop %k = %c0 to %ck step {unroll} {{");
        for (int u = 0; u < unroll; u++)
        {
            s.AppendLine($"    %ku{u} = const {u} : i64");
            s.AppendLine($"    %kk = add %k, %ku{u} : i64");
            s.AppendLine("    %ib0 = mul %kk, %c16 : i64");
            s.AppendLine("    %ib1 = add %ib0, %c8 : i64");
            s.AppendLine("    %b0 = load %b[%ib0] : v8f32");
            s.AppendLine("    %b1 = load %b[%ib1] : v8f32");
            for (int r = 0; r < 6; r++)
            {
                s.AppendLine($"    %row{r} = const {r * k} : i64");
                s.AppendLine($"    %ia = add %row{r}, %kk : i64");
                s.AppendLine("    %as = load %a[%ia] : f32");
                s.AppendLine("    %av = broadcast %as : v8f32");
                s.AppendLine($"    %acc{r}0 = fma %av, %b0, %acc{r}0 : v8f32");
                s.AppendLine($"    %acc{r}1 = fma %av, %b1, %acc{r}1 : v8f32");
            }
        }
        s.AppendLine("  }");
        for (int r = 0; r < 6; r++)
        {
            s.AppendLine($"  %o{r} = const {r * 16} : i64");
            s.AppendLine($"  store %c[%o{r}], %acc{r}0");
            s.AppendLine($"  %p{r} = add %o{r}, %c8 : i64");
            s.AppendLine($"  store %c[%p{r}], %acc{r}1");
        }
        s.AppendLine("}");
        return s.ToString();
    }

    private static int Count(IEnumerable<MStmt> body) => body.Sum(s => 1 + s switch
    {
        LoopStmt l => Count(l.Body),
        IfStmt i => Count(i.Then) + Count(i.Else),
        _ => 0,
    });

    [Fact]
    public void MicroKernelMatchesTheInterpreter()
    {
        var k = MachineParser.Parse(MicroKernel("mk6x2", 24, 2));
        var rng = new Random(3);
        var a = Tensor<float>.FromArray(Enumerable.Range(0, 6 * 24).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), 6, 24);
        var b = Tensor<float>.FromArray(Enumerable.Range(0, 24 * 16).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), 24, 16);
        NativeHarness.AssertMatchesInterpreter(k, [a, b]);
    }

    [Fact]
    public void A240StatementKernelCompilesInMilliseconds()
    {
        NativeHarness.Backend.Compile(MachineParser.Parse(MicroKernel("warm", 8, 1)), NativeCompileOptions.Default); // reflection caches
        var k = MachineParser.Parse(MicroKernel("mk6x2_u5", 60, 5));
        int statements = Count(k.Body);
        var wall = new List<double>();
        var cpu = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            double before = ThreadCpuMs();
            wall.Add(NativeHarness.Backend.Compile(k, NativeCompileOptions.Default).CompileTime.TotalMilliseconds);
            cpu.Add(ThreadCpuMs() - before);
        }
        double a0 = ThreadCpuMs();
        Machine.Verification.MachineVerifier.Verify(k, checkBounds: false);
        double verify = ThreadCpuMs() - a0;
        a0 = ThreadCpuMs();
        Machine.Verification.BoundsAnalysis.Analyze(k);
        double analysis = ThreadCpuMs() - a0;
        output.WriteLine($"{statements} statements: compile wall {string.Join(", ", wall.Select(t => t.ToString("F2")))} ms; " +
            $"thread CPU {string.Join(", ", cpu.Select(t => t.ToString("F2")))} ms (verify {verify:F2} ms, bounds analysis {analysis:F2} ms)");
        Assert.InRange(statements, 240, 300);
        Assert.True(cpu.Min() < 50, $"compiling took {cpu.Min():F1} ms of CPU"); // a few ms expected; loose for slow CI machines
    }

    /// <summary>The 6×2 micro-kernel run as many instances in one call (each recomputes the same C): GFLOP/s of
    /// thread CPU, reported; near one core's FMA peak when the JIT keeps the accumulators in registers.</summary>
    [Fact]
    public void MicroKernelThroughput()
    {
        const int k = 256, calls = 20_000;
        var kernel = MachineParser.Parse(MicroKernel("mk6x2_speed", k, 4).Replace("programs(1)", $"programs({calls})"));
        var native = NativeHarness.Backend.Compile(kernel, NativeCompileOptions.Default);
        var a = Tensor<float>.FromArray(Enumerable.Range(0, 6 * k).Select(i => (i % 7) * 0.25f).ToArray(), 6, k);
        var b = Tensor<float>.FromArray(Enumerable.Range(0, k * 16).Select(i => (i % 5) * 0.5f).ToArray(), k, 16);
        var c = Tensor<float>.FromArray(new float[96], 6, 16);
        NativeHarness.Run(native, [a, b, c], 0, 10);
        double before = ThreadCpuMs();
        NativeHarness.Run(native, [a, b, c], 0, calls);
        double ms = ThreadCpuMs() - before;
        double gflops = 2.0 * 6 * 16 * k * calls / (ms * 1e6);
        output.WriteLine($"6×2 v8f32 micro-kernel, k={k}: {gflops:F1} GFLOP/s of thread CPU ({ms:F1} ms for {calls} instances)");
        float c00 = 0;
        for (int j = 0; j < k; j++) c00 += (j % 7) * 0.25f * ((j * 16) % 5 * 0.5f);
        Assert.Equal(c00, c[0], 2);
        Assert.True(gflops > 1, $"{gflops:F2} GFLOP/s");
    }

    /// <summary>CPU time of this thread (the JIT compiles a DynamicMethod on the calling thread), so the number
    /// means something on a loaded machine; wall time where the clock is unavailable.</summary>
    private static double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return System.Diagnostics.Stopwatch.GetTimestamp() * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        var ts = new TimeSpec();
        ClockGetTime(3, ref ts); // CLOCK_THREAD_CPUTIME_ID
        return ts.Seconds * 1000.0 + ts.Nanoseconds / 1e6;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, ref TimeSpec ts);
}
