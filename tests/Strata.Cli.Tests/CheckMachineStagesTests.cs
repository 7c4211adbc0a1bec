using Strata.Cli.Demo;
using Strata.Onnx;

namespace Strata.Cli.Tests;

/// <summary><c>strata check --target T</c> adds the Machine stages (lowering for T, then each Machine pass).</summary>
public sealed class CheckMachineStagesTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static int Stages(string stdout) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"ok at all (\d+) stages").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void TargetAddsTheMachineLoweringStage_AndEveryKernelAgrees()
    {
        var mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), mlp);
        var blockOnly = CliHarness.Run("check", mlp, "--shape", "x=2,64");
        var machine = CliHarness.Run("check", mlp, "--shape", "x=2,64", "--target", "scalar");
        Assert.True(blockOnly.Exit == 0, blockOnly.Out + blockOnly.Err);
        Assert.True(machine.Exit == 0, machine.Out + machine.Err);
        // machine/lower, then each pass of the default Machine pipeline
        Assert.Equal(Stages(blockOnly.Out) + 1 + Strata.Machine.Passes.MachinePipeline.DefaultPasses.Length, Stages(machine.Out));

        var unknown = CliHarness.Run("check", mlp, "--shape", "x=2,64", "--target", "no-such-cpu");
        Assert.Equal(2, unknown.Exit);
    }
}
