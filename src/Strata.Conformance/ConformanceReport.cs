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

    /// <summary>Tab-separated: a header, then <c>name, op, status, reason</c> per test.</summary>
    public string ToTsv()
    {
        var sb = new StringBuilder("name\top\tstatus\treason\n");
        foreach (var r in Results)
            sb.Append(r.Name).Append('\t').Append(r.Op).Append('\t').Append(r.Status.ToString().ToLowerInvariant())
              .Append('\t').Append(r.Reason).Append('\n');
        return sb.ToString();
    }

    public void WriteTsv(string path) => File.WriteAllText(path, ToTsv());
}
