namespace Strata.Conformance;

/// <summary>The optional <c>index.tsv</c> beside (or inside) a node-test folder: maps a test to the op it
/// tests (<c>tested_op</c>, which for <c>_expanded</c> tests names the op of the original test).</summary>
internal static class TestIndex
{
    public static Dictionary<string, string> Load(string nodeDirectory)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var dir = Path.GetFullPath(nodeDirectory);
        string? file = new[] { Path.Combine(dir, "index.tsv"), Path.Combine(Path.GetDirectoryName(dir) ?? dir, "index.tsv") }
            .FirstOrDefault(File.Exists);
        if (file is null) return map;
        var lines = File.ReadAllLines(file);
        if (lines.Length == 0) return map;
        var header = lines[0].Split('\t');
        int name = Array.IndexOf(header, "test_name"), op = Array.IndexOf(header, "tested_op");
        if (name < 0 || op < 0) return map;
        foreach (var line in lines.Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length > Math.Max(name, op)) map[cols[name]] = cols[op];
        }
        return map;
    }
}
