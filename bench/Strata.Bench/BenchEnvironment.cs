using System.Runtime.InteropServices;

namespace Strata.Bench;

/// <summary>Facts about the machine and the repository the benchmark runs in.</summary>
internal static class BenchEnvironment
{
    /// <summary>The CPU's model name (from /proc/cpuinfo on Linux) and its logical core count.</summary>
    public static string Cpu()
    {
        string model = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim() ?? model;
        }
        catch (IOException) { }
        return $"{model}, {Environment.ProcessorCount} logical cores";
    }

    /// <summary>A host name safe in a file name.</summary>
    public static string Host() =>
        new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_').ToArray());

    /// <summary>The folder holding Strata.slnx, searched upwards from the working directory and the program.</summary>
    public static string? RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Strata.slnx"))) return dir.FullName;
        return null;
    }
}
