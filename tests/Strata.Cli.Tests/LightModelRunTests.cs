using Strata.Core;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary>Every model in <c>light/</c> runs natively with <c>strata run</c> (every kernel native) and the <c>.npy</c>
/// it writes matches the expected output file beside the model (rtol 1e-3, atol 1e-7).</summary>
public sealed class LightModelRunTests
{
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        if (CliHarness.SharedConformanceDir() is not { } onnx) { data.Add("(light models not found)"); return data; }
        foreach (var f in Directory.GetFiles(Path.Combine(onnx, "light"), "*.onnx").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void StrataRunWritesTheExpectedOutput(string model)
    {
        if (CliHarness.SharedConformanceDir() is not { } onnx) return; // suite absent: the theory row says so
        var light = Path.Combine(onnx, "light");
        var modelPath = Path.Combine(light, model + ".onnx");
        var input = Path.Combine(light, "generated_inputs", "input_0_float_1x3x224x224.pb");
        var graph = OnnxImporter.Load(modelPath);
        using var tmp = new CliHarness.TempDir();
        var (exit, stdout, stderr) = CliHarness.Run("run", modelPath, "--input", $"{graph.Inputs[0].Name}={input}", "--output-dir", tmp.Path);
        Assert.True(exit == 0, stderr);
        var outputName = graph.Outputs[0].Name;
        // `strata run` is native by default: its summary line says every kernel ran natively, then the output line.
        Assert.Matches(@"^native \([^)]+\): (\d+) kernels \(\1 native\)", stdout);
        Assert.Contains("\n" + outputName + ": f32[", stdout);

        var actual = (Tensor<float>)NpyFormat.Read(tmp.File(OutputReport.FileNameFor(outputName)));
        var expected = (Tensor<float>)OnnxData.ReadTensor(Path.Combine(light, model + "_output_0.pb"));
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-7 + 1e-3 * Math.Abs(expected[i]), $"element {i}: {actual[i]} vs {expected[i]}");
    }
}
