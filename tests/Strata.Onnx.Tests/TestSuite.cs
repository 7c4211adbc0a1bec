namespace Strata.Onnx.Tests;

/// <summary>Locates the ONNX node tests (STRATA_CONFORMANCE_DIR or ../shared/conformance/onnx beside the repo).</summary>
internal static class TestSuite
{
    public static string? NodeDirectory()
    {
        string? root = Environment.GetEnvironmentVariable("STRATA_CONFORMANCE_DIR");
        if (string.IsNullOrEmpty(root))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Strata.slnx")))
                {
                    root = Path.Combine(dir.FullName, "..", "shared", "conformance", "onnx");
                    break;
                }
        }
        if (root is null) return null;
        var node = Path.Combine(root, "node");
        return Directory.Exists(node) ? Path.GetFullPath(node) : null;
    }

    public static string? Model(string test) =>
        NodeDirectory() is { } d && File.Exists(Path.Combine(d, test, "model.onnx")) ? Path.Combine(d, test, "model.onnx") : null;
}
