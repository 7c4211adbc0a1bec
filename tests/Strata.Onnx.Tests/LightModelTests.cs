namespace Strata.Onnx.Tests;

/// <summary>The "light" model-zoo CNNs (IR 3, opset 9, weights listed both as initializers and as inputs)
/// import with their one real input; the weights are constants.</summary>
public sealed class LightModelTests
{
    [Fact]
    public void LightModels_Import_WithOneRealInput()
    {
        if (TestSuite.NodeDirectory() is not { } node) return;
        var light = Path.Combine(Path.GetDirectoryName(node)!, "light");
        if (!Directory.Exists(light)) return;
        var models = Directory.GetFiles(light, "*.onnx");
        Assert.NotEmpty(models);
        foreach (var path in models)
        {
            var model = OnnxImporter.LoadModel(path, new OnnxImportOptions { InferTypes = false });
            var graph = model.Graph;
            Assert.True(graph.Inputs.Count == 1, $"{Path.GetFileName(path)}: inputs {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
            Assert.Equal("f32[1,3,224,224]", graph.Inputs[0].Type!.ToString());
            Assert.True(model.DeclaredInputs.Count >= graph.Inputs.Count);
            Assert.NotEmpty(graph.Nodes);
        }
    }
}
