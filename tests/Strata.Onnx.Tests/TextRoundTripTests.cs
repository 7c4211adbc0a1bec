using Strata.Core;
using Strata.Graph;
using Strata.Graph.Text;
using Xunit.Abstractions;

namespace Strata.Onnx.Tests;

/// <summary>The text form round-trips every conformance model: <c>Print(Parse(Print(g))) == Print(g)</c> for
/// each node test's model.onnx and each light model, as imported and again after type inference.</summary>
public sealed class TextRoundTripTests(ITestOutputHelper output)
{
    private static IEnumerable<string> NodeModels() =>
        TestSuite.NodeDirectory() is { } dir
            ? Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "model.onnx")).Where(File.Exists)
            : [];

    private static IEnumerable<string> LightModels() =>
        TestSuite.NodeDirectory() is { } dir && Path.Combine(dir, "..", "light") is var light && Directory.Exists(light)
            ? Directory.EnumerateFiles(light, "*.onnx").Order(StringComparer.Ordinal)
            : [];

    [Fact]
    public void EveryNodeTestModelRoundTrips() => RoundTripAll(NodeModels().ToList(), minimum: 1000);

    [Fact]
    public void EveryLightModelRoundTrips() => RoundTripAll(LightModels().ToList(), minimum: 5);

    private void RoundTripAll(List<string> models, int minimum)
    {
        if (TestSuite.NodeDirectory() is null) return; // conformance data not present on this machine
        Assert.True(models.Count >= minimum, $"found only {models.Count} models");
        var failures = new List<string>();
        int rejected = 0, notInferred = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var path in models)
        {
            string test = Path.GetFileName(Path.GetDirectoryName(path)!) is "light" ? Path.GetFileName(path) : Path.GetFileName(Path.GetDirectoryName(path)!);
            Graph.Graph graph;
            try { graph = OnnxImporter.Load(path, new OnnxImportOptions { InferTypes = false }); }
            catch (StrataException) { rejected++; continue; } // models the importer rejects are the importer's tests' concern
            Check(test + " (declared types)", graph, failures);
            try { new TypeInference().Run(graph); }
            catch (StrataException) { notInferred++; continue; }
            Check(test + " (inferred types)", graph, failures);
        }
        output.WriteLine($"{models.Count} models, {rejected} rejected by the importer, {notInferred} failed inference, {clock.ElapsedMilliseconds} ms");
        Assert.True(failures.Count == 0, $"{failures.Count} models do not round-trip:\n" + string.Join("\n", failures.Take(20)));
    }

    private static void Check(string test, Graph.Graph graph, List<string> failures)
    {
        string text = GraphPrinter.Print(graph);
        string again;
        try { again = GraphPrinter.Print(GraphParser.Parse(text)); }
        catch (StrataException e)
        {
            failures.Add($"{test}: {e.ToDiagnosticString()}");
            return;
        }
        if (again != text) failures.Add($"{test}: {FirstDifference(text, again)}");
    }

    private static string FirstDifference(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return $"line {i + 1}: printed {Clip(x[i])} | reprinted {Clip(y[i])}";
        return $"line counts differ ({x.Length} vs {y.Length})";
    }

    private static string Clip(string s) => s.Length > 200 ? s[..200] + "…" : s;
}
