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
