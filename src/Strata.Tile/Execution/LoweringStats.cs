using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Strata.Graph;

namespace Strata.Tile.Execution;

/// <summary>How many nodes of each op a compilation lowered into kernels, left as fallbacks, or removed at compile time
/// (folded to constants or dead).</summary>
public sealed record OpLoweringCount(string Op, int Lowered, int Fallback, int Removed);

/// <summary>Lowered vs fallback node counts per op, with the fallback reasons.</summary>
public sealed partial class LoweringStats
{
    public static readonly LoweringStats Empty = new([], []);

    public LoweringStats(IEnumerable<OpLoweringCount> counts, IEnumerable<(string Op, string Reason)> fallbacks)
    {
        ByOp = counts.GroupBy(c => c.Op, StringComparer.Ordinal)
            .Select(g => new OpLoweringCount(g.Key, g.Sum(c => c.Lowered), g.Sum(c => c.Fallback), g.Sum(c => c.Removed)))
            .OrderBy(c => c.Op, StringComparer.Ordinal).ToImmutableArray();
        FallbackReasons = [.. fallbacks];
    }

    /// <summary>One row per op, sorted by op key.</summary>
    public ImmutableArray<OpLoweringCount> ByOp { get; }

    /// <summary>(op, reason) of every fallback step, in program order.</summary>
    public ImmutableArray<(string Op, string Reason)> FallbackReasons { get; }

    public int Lowered => ByOp.Sum(c => c.Lowered);
    public int Fallback => ByOp.Sum(c => c.Fallback);
    public int Removed => ByOp.Sum(c => c.Removed);

    /// <summary>Counts of a program; <paramref name="originalNodes"/> (the graph's nodes before the graph passes) adds
    /// the nodes that the passes removed.</summary>
    public static LoweringStats Of(TileProgram program, IEnumerable<Node>? originalNodes = null)
    {
        var counts = new List<OpLoweringCount>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var step in program.Steps)
        {
            if (step is KernelStep k)
                foreach (var n in k.Nodes) { seen.Add(n); counts.Add(new(n.OpKey, 1, 0, 0)); }
            else if (step is FallbackStep f) { seen.Add(f.Node); counts.Add(new(f.Node.OpKey, 0, 1, 0)); }
        }
        foreach (var n in originalNodes ?? [])
            if (!seen.Contains(n)) counts.Add(new(n.OpKey, 0, 0, 1));
        return new LoweringStats(counts, program.Fallbacks.Select(f => (f.Node.OpKey, f.Reason)));
    }

    public static LoweringStats Combine(IEnumerable<LoweringStats> stats)
    {
        var list = stats.ToList();
        return new LoweringStats(list.SelectMany(s => s.ByOp), list.SelectMany(s => s.FallbackReasons));
    }

    /// <summary><c>N nodes lowered, M fallback (P% lowered), K removed at compile time</c>.</summary>
    public string SummaryLine
    {
        get
        {
            int total = Lowered + Fallback;
            string pct = total == 0 ? "-" : (100.0 * Lowered / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";
            return $"{Lowered} nodes lowered, {Fallback} fallback ({pct} lowered), {Removed} removed at compile time";
        }
    }

    /// <summary>Tab-separated: a header, then <c>op, lowered, fallback, removed, fallback_reasons</c> per op; the reasons
    /// are the op's distinct fallback reasons, most frequent first, with their counts (at most three, value names
    /// replaced by <c>%…</c> so that reasons from different models group).</summary>
    public string ToTsv()
    {
        var reasons = FallbackReasons.GroupBy(r => r.Op, StringComparer.Ordinal).ToDictionary(g => g.Key, g => string.Join("; ",
            g.GroupBy(r => ValueNames().Replace(r.Reason, "%…"), StringComparer.Ordinal)
             .OrderByDescending(x => x.Count()).ThenBy(x => x.Key, StringComparer.Ordinal).Take(3)
             .Select(x => $"{x.Count()}× {x.Key.Replace('\t', ' ')}")), StringComparer.Ordinal);
        var sb = new StringBuilder("op\tlowered\tfallback\tremoved\tfallback_reasons\n");
        foreach (var c in ByOp)
            sb.Append(CultureInfo.InvariantCulture, $"{c.Op}\t{c.Lowered}\t{c.Fallback}\t{c.Removed}\t{reasons.GetValueOrDefault(c.Op) ?? ""}\n");
        return sb.ToString();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"%[^\s,()]+")]
    private static partial System.Text.RegularExpressions.Regex ValueNames();
}
