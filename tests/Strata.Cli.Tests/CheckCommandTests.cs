using System.CommandLine;
using Strata.Block.Compilation;
using Strata.Block.Passes;
using Strata.Cli.Commands;
using Strata.Cli.Tests.Check;
using Strata.Conformance.Checking;
using Strata.Core;
using Strata.Onnx;
using Strata.Tile.Passes;

namespace Strata.Cli.Tests;

public sealed class CheckCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();
    private readonly string _model;

    public CheckCommandTests()
    {
        _model = _tmp.File("mlp.onnx");
        OnnxExporter.Save(CheckModels.MlpSoftmax(), _model);
    }

    public void Dispose() => _tmp.Dispose();

    /// <summary>Runs <c>strata check</c> built with <paramref name="options"/> (injected passes) in-process.</summary>
    private static (int Exit, string Out, string Err) RunWith(CheckOptions options, params string[] args)
    {
        var root = new RootCommand { CheckCommand.Create(options) };
        root.Options.Add(CliOptions.Verbose);
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void EveryKernelAgreesOnAGoodCompiler()
    {
        var (exit, stdout, stderr) = CliHarness.Run("check", _model, "--random-inputs", "4");
        Assert.True(exit == 0, stderr + stdout);
        int stages = 2 + TilePipeline.Default.Passes.Length + BlockPipeline.Default.Passes.Length;
        Assert.Contains($"kernel @mlp.k0 [MatMul, Add, Relu]: ok at all {stages} stages", stdout);
        Assert.Contains($"kernel @mlp.k1 [MatMul, Softmax]: ok at all {stages} stages", stdout);
        Assert.Contains("all 2 kernels agree with the reference at every stage", stdout);
    }

    [Fact]
    public void InputsFromFilesWork()
    {
        var x = _tmp.File("x.npy");
        NpyFormat.Write(CheckModels.Random(new Random(9), 5, 6), x);
        var (exit, stdout, stderr) = CliHarness.Run("check", _model, "--input", "x=" + x, "--tolerance", "1e-4,1e-6");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("(tolerance rtol 0.0001, atol 1e-06)", stdout);
    }

    [Fact]
    public void ADivergenceGivesExitCodeOneAndNamesKernelLevelAndPass()
    {
        var options = CheckOptions.Default with
        {
            Compiler = CompilerOptions.Default with { BlockPasses = BlockPipeline.Default.Insert(1, new FaultyPasses.NudgeStoredValue("mlp.k1")) },
        };
        var (exit, stdout, stderr) = RunWith(options, "check", _model, "--random-inputs", "2");
        Assert.True(exit == CheckCommand.Diverged, stderr + stdout);
        // Stages: fusion, each Tile pass, lowering, the first Block pass, the injected one (then the other Block passes).
        int total = 3 + TilePipeline.Default.Passes.Length + BlockPipeline.Default.Passes.Length;
        int at = 4 + TilePipeline.Default.Passes.Length;
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(stdout,
            @"kernel @mlp\.k1 \[MatMul, Softmax\]: DIVERGES at block/TestOnly\.NudgeStoredValue: output %y: 15 of 15 elements differ; "
            + @"max abs error 1, max rel error [0-9.e+-]+, worst at \[\d,\d\]: got [0-9.]+, expected [0-9.]+ \(stage " + at + " of " + total + @"\)"), stdout);
        Assert.Contains($"kernel @mlp.k0 [MatMul, Add, Relu]: ok at all {total} stages", stdout); // the injected pass is a stage of every kernel
        Assert.Contains("1 of 2 kernels diverge", stdout);
    }

    [Fact]
    public void FallbacksAreListedAsSuch()
    {
        var g = new Graph.Builder.GraphBuilder("strings", opset: 18);
        var x = g.Input("x", DataType.Float32, 3);
        var y = g.Relu(x);
        g.Output(g.Op("NonZero", [y])[0], "nz");
        var path = _tmp.File("nz.onnx");
        OnnxExporter.Save(g.Build(), path);
        var (exit, stdout, stderr) = CliHarness.Run("check", path, "--random-inputs", "1");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"fallback NonZero: .*\(runs the reference op; not compared\)", stdout);
    }

    [Theory]
    [InlineData("--tolerance", "abc")]
    [InlineData("--tolerance", "1e-3")]
    [InlineData("--tolerance", "-1,0")]
    [InlineData("--input", "nosuch=x.npy")]
    [InlineData("--input", "x=missing.npy")]
    [InlineData("--shape", "nosuch=1,2")]
    [InlineData("--shape", "x=a,b")]
    public void BadArgumentsGiveExitCodeTwo(string option, string value)
    {
        var (exit, stdout, stderr) = CliHarness.Run("check", _model, option, value);
        Assert.True(exit == CliErrors.BadInput, $"exit {exit}: {stdout}{stderr}");
        Assert.StartsWith("error E", stderr);
        Assert.DoesNotContain("internal error", stderr);
    }

    [Fact]
    public void MissingModelAndUnboundDimsGiveExitCodeTwo()
    {
        var (exit, _, stderr) = CliHarness.Run("check", _tmp.File("nope.onnx"));
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.Contains("does not exist", stderr);

        var symbolic = _tmp.File("sym.onnx");
        OnnxExporter.Save(CheckModels.MlpSoftmax(batch: Dim.Sym("batch")), symbolic);
        (exit, _, stderr) = CliHarness.Run("check", symbolic);
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.Contains("--shape x=", stderr);
        var (ok, stdout, err) = CliHarness.Run("check", symbolic, "--shape", "x=3,6");
        Assert.True(ok == 0, err + stdout);
    }

    [Fact]
    public void AReferenceRunThatFailsIsBadInput()
    {
        var g = new Graph.Builder.GraphBuilder("gather", opset: 18);
        var data = g.Constant("data", CheckModels.Random(new Random(1), 3, 2));
        var idx = g.Input("idx", DataType.Int64, 4);
        g.Output(g.Gather(data, idx), "y");
        var path = _tmp.File("gather.onnx");
        OnnxExporter.Save(g.Build(), path);
        // Random int64 inputs are in [0, 10): out of range for a dim of 3.
        var (exit, _, stderr) = CliHarness.Run("check", path, "--random-inputs", "0");
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.Contains("the reference run failed on these inputs", stderr);
    }

    [Fact]
    public void ShapesOfGivenInputsMustMatchTheModel()
    {
        var x = _tmp.File("x.npy");
        NpyFormat.Write(CheckModels.Random(new Random(9), 4, 4), x);
        var (exit, _, stderr) = CliHarness.Run("check", _model, "--input", "x=" + x);
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.StartsWith("error E", stderr);
    }
}
