using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Strata.Runtime;

/// <summary>How one kernel of a compiled program runs: its level and, when that is not the level asked for, why.</summary>
public sealed record KernelReport(string Name, ExecutionLevel Level, string? Reason, long Programs, long LocalBytes, TimeSpan CompileTime);

/// <summary>A node that runs through the reference op (it did not lower to a kernel), and why.</summary>
public sealed record FallbackReport(string Node, string OpKey, string Reason);

/// <summary>What a compiled program is made of: its kernels by level, its fallback nodes, its memory plan and how long
/// compiling took (<c>strata compile</c> prints it).</summary>
public sealed record ProgramStats(
    ExecutionLevel Level,
    ImmutableArray<KernelReport> Kernels,
    ImmutableArray<FallbackReport> Fallbacks,
    long ArenaBytes,
    long IntermediateBytes,
    long ConstantBytes,
    TimeSpan CompileTime)
{
    /// <summary>Kernels that run natively.</summary>
    public int NativeKernels => Kernels.Count(k => k.Level == ExecutionLevel.Native);

    /// <summary>Kernels that run at a slower level than asked for (each with its reason).</summary>
    public IEnumerable<KernelReport> Degraded => Kernels.Where(k => k.Reason is not null);

    public string SummaryLine => string.Create(CultureInfo.InvariantCulture,
        $"{Kernels.Length} kernels ({string.Join(", ", Kernels.GroupBy(k => k.Level).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))}), " +
        $"{Fallbacks.Length} fallbacks; arena {ArenaBytes} bytes for {IntermediateBytes} bytes of intermediates; compiled in {CompileTime.TotalMilliseconds:F0} ms");

    /// <summary>The summary, then one line per kernel that runs below the level asked for and per fallback.</summary>
    public string Describe()
    {
        var sb = new StringBuilder(SummaryLine).Append('\n');
        foreach (var k in Degraded) sb.Append(CultureInfo.InvariantCulture, $"  kernel @{k.Name}: {k.Level.ToString().ToLowerInvariant()} ({k.Reason})\n");
        foreach (var f in Fallbacks) sb.Append(CultureInfo.InvariantCulture, $"  fallback {f.OpKey} {f.Node}: {f.Reason}\n");
        return sb.ToString();
    }
}
