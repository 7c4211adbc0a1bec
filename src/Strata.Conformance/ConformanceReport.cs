using System.Text;

namespace Strata.Conformance;

/// <summary>The results of a conformance run, in test-name order.</summary>
public sealed class ConformanceReport(IReadOnlyList<ConformanceResult> results)
{
    public IReadOnlyList<ConformanceResult> Results { get; } = results.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();

    public int Passed => Results.Count(r => r.Status == ConformanceStatus.Passed);
    public int Failed => Results.Count(r => r.Status == ConformanceStatus.Failed);
    public int Skipped => Results.Count(r => r.Status == ConformanceStatus.Skipped);

    /// <summary><c>N passed, M failed, K skipped</c>.</summary>
    public string SummaryLine => $"{Passed} passed, {Failed} failed, {Skipped} skipped";

    /// <summary>Lowered/fallback/removed node counts per op over all tests that report them (empty at graph level).</summary>
    public Tile.Execution.LoweringStats Lowering =>
        Tile.Execution.LoweringStats.Combine(Results.Select(r => r.Lowering).OfType<Tile.Execution.LoweringStats>());

    /// <summary>Tab-separated: a header, then <c>name, op, status, reason</c> per test; when the executor counts
    /// lowering (levels below graph), also <c>lowered, fallback</c>: the test's nodes lowered into kernels and run as
    /// fallbacks (empty when the test did not get as far as compiling).</summary>
    public string ToTsv()
    {
        bool counts = Results.Any(r => r.Lowering is not null);
        var sb = new StringBuilder(counts ? "name\top\tstatus\treason\tlowered\tfallback\n" : "name\top\tstatus\treason\n");
        foreach (var r in Results)
        {
            sb.Append(r.Name).Append('\t').Append(r.Op).Append('\t').Append(r.Status.ToString().ToLowerInvariant())
              .Append('\t').Append(r.Reason);
            if (counts) sb.Append('\t').Append(r.Lowering?.Lowered.ToString() ?? "").Append('\t').Append(r.Lowering?.Fallback.ToString() ?? "");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public void WriteTsv(string path) => File.WriteAllText(path, ToTsv());
}
