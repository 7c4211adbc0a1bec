using Strata.Core;
using Strata.Graph;
using Strata.Graph.Text;
using Strata.Graph.Verification;
using Strata.Onnx;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>The nine real CNN architectures in <c>light/</c>: each imports, verifies, round-trips through the
/// Graph text form, and its reference-interpreter output matches the expected output beside it.</summary>
public sealed class LightModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        var dir = LightDirectory();
        if (dir is null) { data.Add("(light models not found)"); return data; }
        foreach (var f in Directory.GetFiles(dir, "*.onnx").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    internal static string? LightDirectory()
    {
        var node = SuiteLocation.NodeDirectory(out _);
        var light = node is null ? null : Path.Combine(Path.GetDirectoryName(node)!, "light");
        return light is not null && Directory.Exists(light) ? light : null;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportsVerifiesRoundTripsAndMatchesExpectedOutput(string model)
    {
        var dir = LightDirectory();
        if (dir is null)
        {
            output.WriteLine("light models not found beside the conformance suite: skipped (set STRATA_CONFORMANCE_DIR)");
            return;
        }
        var graph = OnnxImporter.Load(Path.Combine(dir, model + ".onnx"));
        GraphVerifier.Verify(graph);

        var text = GraphPrinter.Print(graph);
        Assert.Equal(text, GraphPrinter.Print(GraphParser.Parse(text)));

        var input = OnnxData.ReadTensor(Path.Combine(dir, "generated_inputs", "input_0_float_1x3x224x224.pb"));
        var expected = OnnxData.ReadValue(Path.Combine(dir, model + "_output_0.pb"));
        var outputs = new GraphInterpreter().Run(graph, new Dictionary<string, RuntimeValue> { [graph.Inputs[0].Name] = input });
        var actual = outputs[graph.Outputs[0].Name];
        Assert.Null(ValueComparer.Default.Compare(actual, expected));
        output.WriteLine($"{model}: {graph.Nodes.Count} nodes, output {actual?.Type} matches");
    }
}
