using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Strata.Runtime;

/// <summary>How one kernel of a compiled program runs: its level and, when that is not the level asked for, why.</summary>
/// <param name="Folded">It reads only constants, so it runs once (at the first run) and its outputs are constants.</param>
/// <param name="InPlace">An in-place Concat: its inputs were placed inside its output, so it never runs.</param>
/// <param name="OverInput">It writes an output over an input that dies at its step (<see cref="InPlaceOutputs"/>).</param>
public sealed record KernelReport(string Name, ExecutionLevel Level, string? Reason, long Programs, long LocalBytes, TimeSpan CompileTime, bool Folded = false, bool InPlace = false, bool OverInput = false);

/// <summary>A node that runs through the reference op (it did not lower to a kernel), and why.</summary>
public sealed record FallbackReport(string Node, string OpKey, string Reason);

/// <summary>What a compiled program is made of: its kernels by level, its fallback nodes, its memory plan and how long
/// compiling took (<c>strata compile</c> prints it).</summary>
/// <param name="ArenaBytes">The one arena of the memory plan.</param>
/// <param name="IntermediateBytes">The sum of the sizes of the buffers the plan places (kernel outputs read later,
/// Block scratch): what they would take without reuse.</param>
/// <param name="PeakLiveBytes">The most bytes of those buffers live at one step: no arena can be smaller.</param>
/// <param name="GraphIntermediateBytes">The sum of the sizes of the graph's intermediate tensors (after the graph
/// passes, before fusion; node outputs that depend on a graph input and are not graph outputs): what a runtime that
/// evaluates node by node and keeps every tensor would allocate per run.</param>
/// <param name="ConstantBytes">Constants in native memory (graph constants kernels read, and folded kernels' outputs).</param>
/// <param name="FoldedBytes">The part of <paramref name="ConstantBytes"/> computed by folded kernels.</param>
public sealed record ProgramStats(
    ExecutionLevel Level,
    ImmutableArray<KernelReport> Kernels,
    ImmutableArray<FallbackReport> Fallbacks,
    long ArenaBytes,
    long IntermediateBytes,
    long PeakLiveBytes,
    long GraphIntermediateBytes,
    long ConstantBytes,
    long FoldedBytes,
    TimeSpan CompileTime)
{
    /// <summary>Kernels that run natively.</summary>
    public int NativeKernels => Kernels.Count(k => k.Level == ExecutionLevel.Native);

    /// <summary>Kernels that read only constants: run once, their outputs kept as constants (<see cref="FoldedBytes"/>).</summary>
    public int FoldedKernels => Kernels.Count(k => k.Folded);

    /// <summary>Concats whose inputs their producers write in place: they never run.</summary>
    public int InPlaceKernels => Kernels.Count(k => k.InPlace);

    /// <summary>Kernels that write an output over a dying input, in its buffer.</summary>
    public int OverInputKernels => Kernels.Count(k => k.OverInput);

    /// <summary>Kernels that run at a slower level than asked for (each with its reason).</summary>
    public IEnumerable<KernelReport> Degraded => Kernels.Where(k => k.Reason is not null);

    public string SummaryLine => string.Create(CultureInfo.InvariantCulture,
        $"{Kernels.Length} kernels ({string.Join(", ", Kernels.GroupBy(k => k.Level).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))}), " +
        $"{Fallbacks.Length} fallbacks, {FoldedKernels} folded ({FoldedBytes} bytes){(InPlaceKernels > 0 ? $", {InPlaceKernels} concats in place" : "")}{(OverInputKernels > 0 ? $", {OverInputKernels} outputs over inputs" : "")}; arena {ArenaBytes} bytes (peak live {PeakLiveBytes}) for {IntermediateBytes} bytes of planned buffers, {GraphIntermediateBytes} bytes of graph intermediates; compiled in {CompileTime.TotalMilliseconds:F0} ms");

    /// <summary>The summary, then one line per kernel that runs below the level asked for and per fallback.</summary>
    public string Describe()
    {
        var sb = new StringBuilder(SummaryLine).Append('\n');
        foreach (var k in Degraded) sb.Append(CultureInfo.InvariantCulture, $"  kernel @{k.Name}: {k.Level.ToString().ToLowerInvariant()} ({k.Reason})\n");
        foreach (var f in Fallbacks) sb.Append(CultureInfo.InvariantCulture, $"  fallback {f.OpKey} {f.Node}: {f.Reason}\n");
        return sb.ToString();
    }
}
