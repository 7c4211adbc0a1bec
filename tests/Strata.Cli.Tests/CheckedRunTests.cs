using Strata.Cli.Demo;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary><c>strata run --checked</c>: every access of the native kernels is bounds-checked; a correct model runs
/// (exit 0) and gives the reference's outputs. (Faulty kernels under checks: Strata.Runtime.Tests' CheckedModeTests.)</summary>
public sealed class CheckedRunTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RunChecked_OnANormalModel_ExitsZeroAndMatchesTheReference()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var x = new Tensor<float>(Enumerable.Range(0, 3 * 64).Select(i => MathF.Cos(i)).ToArray(), [3, 64]);
        NpyFormat.Write(x, _tmp.File("x.npy"));

        var (exit, stdout, stderr) = CliHarness.Run("run", mlp, "--input", "x=" + _tmp.File("x.npy"), "-o", _tmp.Path, "--checked", "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("probabilities: f32[3,10]", stdout, StringComparison.Ordinal);
        var expected = new GraphInterpreter().Run(DemoModels.Mlp(), new Dictionary<string, RuntimeValue> { ["x"] = x })["probabilities"]!;
        var actual = NpyFormat.Read(_tmp.File("probabilities.npy"));
        Assert.True(ValueComparer.Default.Compare(actual, expected) is null, ValueComparer.Default.Compare(actual, expected));
    }

    [Fact]
    public void Checked_AtTheGraphLevel_IsAnError()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var (exit, _, stderr) = CliHarness.Run("run", mlp, "--random-inputs", "1", "--shape", "x=2,64", "--checked", "--level", "graph");
        Assert.NotEqual(0, exit);
        Assert.Contains("--checked", stderr, StringComparison.Ordinal);
    }
}
