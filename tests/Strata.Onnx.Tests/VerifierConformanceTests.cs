using Strata.Core;
using Strata.Graph.Verification;

namespace Strata.Onnx.Tests;

/// <summary>Every conformance model, imported with type inference, passes <see cref="GraphVerifier"/> without
/// errors: a valid ONNX model must not be reported as malformed, and no op's type inference may contradict the
/// types the model declares. (Ops without a definition are warnings and do not fail this.)</summary>
public sealed class VerifierConformanceTests
{
    [Fact]
    public void EveryNodeTestModelVerifies()
    {
        if (TestSuite.NodeDirectory() is not { } dir) return;
        var failures = new List<string>();
        foreach (var test in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            string path = Path.Combine(test, "model.onnx");
            if (!File.Exists(path)) continue;
            Graph.Graph graph;
            try { graph = OnnxImporter.Load(path); }
            catch (StrataException) { continue; }
            foreach (var d in GraphVerifier.Diagnose(graph))
                if (d.IsError) failures.Add($"{Path.GetFileName(test)}: {d}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} verifier errors:\n" + string.Join("\n", failures.Take(30)));
    }
}
