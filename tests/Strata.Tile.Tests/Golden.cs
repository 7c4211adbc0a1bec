using System.Runtime.CompilerServices;

namespace Strata.Tile.Tests;

/// <summary>Golden-text checks: compares text with <c>tests/Strata.Tile.Tests/golden/&lt;name&gt;.strata</c>.
/// With the environment variable <c>STRATA_ACCEPT=1</c> the file is (re)written instead, so the change shows
/// up in <c>git diff</c> for review (like Helion's <c>EXPECTTEST_ACCEPT=1</c>).</summary>
public static class Golden
{
    public const string Extension = ".strata";

    public static bool Accepting => Environment.GetEnvironmentVariable("STRATA_ACCEPT") == "1";

    /// <summary>The golden folder in the source tree.</summary>
    public static string Directory { get; } = FindDirectory();

    public static string PathOf(string name) => Path.Combine(Directory, name + Extension);

    /// <summary>Names (without extension) of all golden files, sorted.</summary>
    public static IEnumerable<string> All() =>
        System.IO.Directory.EnumerateFiles(Directory, "*" + Extension)
            .Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Order(StringComparer.Ordinal);

    public static string Read(string name) => File.ReadAllText(PathOf(name)).ReplaceLineEndings("\n");

    public static void Check(string name, string actual)
    {
        actual = actual.ReplaceLineEndings("\n");
        string path = PathOf(name);
        if (Accepting)
        {
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

    private static string FindDirectory([CallerFilePath] string thisFile = "")
    {
        string? fromSource = Path.GetDirectoryName(thisFile);
        if (fromSource is not null && System.IO.Directory.Exists(fromSource))
            return Path.Combine(fromSource, "golden");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Strata.Tile.Tests", "golden");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("cannot find tests/Strata.Tile.Tests/golden");
    }
}
