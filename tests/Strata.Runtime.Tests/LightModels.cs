namespace Strata.Runtime.Tests;

/// <summary>Finds the nine <c>light/</c> CNNs: <c>STRATA_CONFORMANCE_DIR</c> (the onnx folder), else
/// <c>../shared/conformance/onnx</c> beside the repository. Absent: tests say so and pass.</summary>
internal static class LightModels
{
    public const string Input = "input_0_float_1x3x224x224.pb";

    public static string? Directory()
    {
        string root = Environment.GetEnvironmentVariable("STRATA_CONFORMANCE_DIR") is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "conformance", "onnx"));
        var light = Path.Combine(root, "light");
        return System.IO.Directory.Exists(light) ? light : null;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        if (Directory() is not { } dir) { data.Add("(light models not found)"); return data; }
        foreach (var f in System.IO.Directory.GetFiles(dir, "*.onnx").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Strata.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Strata.slnx above {AppContext.BaseDirectory}");
    }
}
