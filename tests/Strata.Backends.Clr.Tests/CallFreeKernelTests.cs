using System.Diagnostics;
using System.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>RyuJIT's inliner gives up on a method with 512 locals, and generic <c>VectorN.Add/Load/Store&lt;T&gt;</c>
/// reach it as calls to inline: a kernel with many registers then ran hundreds of real calls. The backend emits the
/// ISA's intrinsics instead (PlatformOps); this test JITs a kernel with 700 vector registers in a child process with
/// <c>DOTNET_JitDisasm</c> and fails when a call to a System.Runtime.Intrinsics or MaskedLanes method comes back.</summary>
public class CallFreeKernelTests
{
    internal const string ProbeVariable = "STRATA_JIT_PROBE_KERNEL";

    /// <summary>Loads of 700 distinct registers, an add/mul/fma chain over them, stores (every 30th limited by a count,
    /// as are some loads: the inline masked moves): 1,400+ IL locals. 16 lanes (avx512) or 8 (avx2: 256-bit vectors,
    /// whose masked moves are inline where the host has AVX-512VL).</summary>
    internal static string ManyRegistersKernel(int lanes = 16)
    {
        const int slots = 64, regs = 700;
        var s = new StringBuilder();
        s.AppendLine($"machine.kernel @many_regs target({(lanes == 16 ? "x86-64-avx512" : "x86-64-avx2")}) (%x: ptr<f32>[{lanes * slots}], %n: ptr<i64>[1], %y: ptr<f32>[{lanes * slots}] output)");
        s.AppendLine("    programs(1) {");
        for (int k = 0; k < slots; k++) s.AppendLine($"  %c{k} = const {k * lanes} : i64");
        s.AppendLine("  %count = load %n[%c0] : i64");
        for (int i = 0; i < regs; i++)
            s.AppendLine($"  %v{i} = load %x[%c{i % slots}]{(i % 50 == 7 ? " count %count other 0.0" : "")} : v{lanes}f32");
        s.AppendLine($"  %s0 = mov %v0 : v{lanes}f32");
        for (int i = 1; i < regs; i++)
        {
            string op = (i % 3) switch { 0 => $"add %s{i - 1}, %v{i}", 1 => $"mul %s{i - 1}, %v{i}", _ => $"fma %s{i - 1}, %v{i}, %v{i - 1}" };
            s.AppendLine($"  %s{i} = {op} : v{lanes}f32");
            if (i % 10 == 0) s.AppendLine($"  store %y[%c{i % slots}], %s{i}{(i % 30 == 0 ? " count %count" : "")}");
        }
        s.AppendLine("}");
        return s.ToString();
    }

    [Avx512Fact]
    public void AKernelWithManyRegistersHasNoCallsToVectorMethods() => Probe(16);

    /// <summary>256-bit vectors on an AVX-512 host: their count-limited moves are AVX-512VL's, inline.</summary>
    [Avx512Fact]
    public void AKernelWithManyNarrowRegistersHasNoCallsToVectorMethods() => Probe(8);

    private static void Probe(int lanes)
    {
        var self = typeof(CallFreeKernelTests).Assembly.Location;
        var dir = Directory.CreateTempSubdirectory("strata-jit-probe-");
        try
        {
            var disasm = Path.Combine(dir.FullName, "disasm.txt");
            var start = new ProcessStartInfo("dotnet", [self]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["DOTNET_STARTUP_HOOKS"] = self;
            start.Environment[ProbeVariable] = lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DOTNET_JitDisasm"] = "strata_*";
            start.Environment["DOTNET_JitStdOutFile"] = disasm;
            using var child = Process.Start(start)!;
            string stdout = child.StandardOutput.ReadToEnd(), stderr = child.StandardError.ReadToEnd();
            Assert.True(child.WaitForExit(120_000), "the probe process did not finish");
            Assert.True(child.ExitCode == 0, $"the probe process failed ({child.ExitCode}): {stdout}{stderr}");
            var text = File.Exists(disasm) ? File.ReadAllText(disasm) : "";
            // The release runtime writes disassembly since .NET 7: no listing means the probe did not run the kernel.
            Assert.True(text.Contains("many_regs", StringComparison.Ordinal), $"no JIT disassembly of the kernel was written: {stdout}{stderr}");
            var calls = text.Split('\n').Where(l => l.Contains("call ", StringComparison.Ordinal)
                && (l.Contains("System.Runtime.Intrinsics", StringComparison.Ordinal) || l.Contains("MaskedLanes", StringComparison.Ordinal))).ToList();
            Assert.True(calls.Count == 0, $"{calls.Count} calls to vector methods, e.g. {calls.FirstOrDefault()?.Trim()}");
        }
        finally { dir.Delete(recursive: true); }
    }
}
