namespace Strata.Testing;

/// <summary>Golden-text checks: compares text with <c>tests/&lt;test project&gt;/golden/&lt;name&gt;.strata</c> (this file is linked into each test project).
/// With the environment variable <c>STRATA_ACCEPT=1</c> the file is (re)written instead, so the change shows
/// up in <c>git diff</c> for review (like Helion's <c>EXPECTTEST_ACCEPT=1</c>).</summary>
public static class Golden
{
    public const string Extension = ".strata";

    public static bool Accepting => Environment.GetEnvironmentVariable("STRATA_ACCEPT") == "1";

    /// <summary>The golden folder in the source tree.</summary>
    public static string Directory { get; } = FindDirectory();

    public static string PathOf(string name) => Path.Combine(Directory, name + Extension);

    /// <summary>Names (without extension, relative to the golden folder, '/'-separated) of the golden files in
    /// <paramref name="folder"/> ("" = the top folder), sorted.</summary>
    public static IEnumerable<string> All(string folder = "") =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Directory, folder), "*" + Extension)
            .Select(p => (folder.Length == 0 ? "" : folder + "/") + Path.GetFileNameWithoutExtension(p)!)
            .Order(StringComparer.Ordinal);

    public static string Read(string name) => File.ReadAllText(PathOf(name)).ReplaceLineEndings("\n");

    public static void Check(string name, string actual)
    {
        actual = actual.ReplaceLineEndings("\n");
        string path = PathOf(name);
        if (Accepting)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || Read(name) != actual) File.WriteAllText(path, actual);
            return;
        }
        if (!File.Exists(path))
            Assert.Fail($"golden file {path} does not exist; run the tests with STRATA_ACCEPT=1 to create it.\nActual:\n{actual}");
        string expected = Read(name);
        if (expected == actual) return;
        Assert.Fail($"text differs from {path} (rerun with STRATA_ACCEPT=1 to accept the new text):\n{Diff(expected, actual)}");
    }

    /// <summary>The first differing lines with a little context.</summary>
    public static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i]) i++;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"first difference at line {i + 1}:");
        for (int j = Math.Max(0, i - 2); j < i; j++) sb.AppendLine("  " + Clip(e[j]));
        for (int j = i; j < Math.Min(e.Length, i + 3); j++) sb.AppendLine("- " + Clip(e[j]));
        for (int j = i; j < Math.Min(a.Length, i + 3); j++) sb.AppendLine("+ " + Clip(a[j]));
        return sb.ToString();
    }

    private static string Clip(string line) => line.Length > 300 ? line[..300] + "…" : line;

    /// <summary>The test project this file is compiled into (it is linked into each one).</summary>
    private static string Project => typeof(Golden).Assembly.GetName().Name!;

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", Project, "golden");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"cannot find tests/{Project}/golden");
    }
}
