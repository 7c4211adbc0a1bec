namespace Strata.Conformance;

/// <summary>A list of tests known to fail, one per line: <c>test_name&lt;TAB&gt;reason</c>; lines starting with
/// <c>#</c> and blank lines are ignored.</summary>
public sealed class ExpectedFailures
{
    private readonly Dictionary<string, string> _reasons;

    private ExpectedFailures(Dictionary<string, string> reasons) { _reasons = reasons; }

    public static readonly ExpectedFailures None = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, string> Reasons => _reasons;

    public bool Contains(string test) => _reasons.ContainsKey(test);

    public static ExpectedFailures Load(string path)
    {
        if (!File.Exists(path))
            throw new Core.StrataException(Core.ErrorCode.FileNotFound, $"expected-failures file '{path}' does not exist", "check the path");
        return Parse(File.ReadAllLines(path));
    }

    /// <summary>The lists a level is checked against: <c>expected-failures.tsv</c> in <paramref name="directory"/> (tests
    /// that fail at graph level fail at every level) and, for another level, <c>expected-failures.LEVEL.tsv</c> beside it
    /// when it exists (tests that pass at graph level but not at this one, each with its reason).</summary>
    public static ExpectedFailures ForLevel(string directory, string level)
    {
        var lists = new List<ExpectedFailures> { Load(Path.Combine(directory, "expected-failures.tsv")) };
        string levelFile = Path.Combine(directory, $"expected-failures.{level}.tsv");
        if (!string.Equals(level, "graph", StringComparison.OrdinalIgnoreCase) && File.Exists(levelFile)) lists.Add(Load(levelFile));
        return Combine(lists);
    }

    /// <summary>All entries of <paramref name="lists"/> (a later list's reason wins for a test listed twice).</summary>
    public static ExpectedFailures Combine(IEnumerable<ExpectedFailures> lists)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var list in lists)
            foreach (var (name, reason) in list._reasons) map[name] = reason;
        return new ExpectedFailures(map);
    }

    public static ExpectedFailures Parse(IEnumerable<string> lines)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int tab = line.IndexOf('\t');
            string name = (tab < 0 ? line : line[..tab]).Trim();
            if (name.Length > 0) map[name] = tab < 0 ? "" : line[(tab + 1)..].Trim();
        }
        return new ExpectedFailures(map);
    }

    /// <summary>Failures not on the list, and listed tests that passed (the list must stay honest).</summary>
    public (IReadOnlyList<ConformanceResult> UnexpectedFailures, IReadOnlyList<ConformanceResult> UnexpectedPasses) Check(ConformanceReport report) =>
        (report.Results.Where(r => r.Status == ConformanceStatus.Failed && !Contains(r.Name)).ToList(),
         report.Results.Where(r => r.Status == ConformanceStatus.Passed && Contains(r.Name)).ToList());
}
