namespace Strata.Conformance.Tests;

/// <summary>Finds the repository root and the ONNX conformance data.</summary>
internal static class SuiteLocation
{
    /// <summary>The folder holding Strata.slnx, found by walking up from the test assembly.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Strata.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Strata.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>The node-test folder: <c>STRATA_CONFORMANCE_DIR</c> (the onnx folder or its node/ folder),
    /// else <c>../shared/conformance/onnx/node</c> from the repository root. Null when absent.</summary>
    public static string? NodeDirectory(out string looked)
    {
        string root = Environment.GetEnvironmentVariable("STRATA_CONFORMANCE_DIR") is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "conformance", "onnx"));
        looked = root;
        if (Directory.Exists(Path.Combine(root, "node"))) return Path.Combine(root, "node");
        return Directory.Exists(root) && Directory.EnumerateDirectories(root).Any(d => File.Exists(Path.Combine(d, "model.onnx"))) ? root : null;
    }

    public static string ExpectedFailuresFile() =>
        Path.Combine(RepoRoot(), "tests", "Strata.Conformance.Tests", "expected-failures.tsv");
}
