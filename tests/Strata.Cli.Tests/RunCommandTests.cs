using Strata.Cli.Demo;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Onnx;

namespace Strata.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly CliHarness.TempDir _tmp = new();
    private readonly string _mlp;

    public RunCommandTests()
    {
        _mlp = _tmp.File("mlp.onnx");
        OnnxExporter.Save(DemoModels.Mlp(), _mlp);
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void InfoListsInputsOutputsOpsetsAndOpCounts()
    {
        var (exit, stdout, _) = CliHarness.Run("info", _mlp);
        Assert.Equal(0, exit);
        Assert.Contains("x: f32[batch,64]", stdout);
        Assert.Contains("probabilities: f32[batch,10]", stdout);
        Assert.Contains("ai.onnx 18", stdout);
        Assert.Matches(@"MatMul\s+2", stdout);
        Assert.Matches(@"Softmax\s+1", stdout);
    }

    [Fact]
    public void RunWithRandomInputsBindsShapesPrintsStatsAndWritesNpy()
    {
        var (exit, stdout, stderr) = CliHarness.Run("run", _mlp, "--random-inputs", "3", "--shape", "x=5,64", "--output-dir", _tmp.Path);
        Assert.True(exit == 0, stderr);
        // Softmax rows sum to 1: five rows.
        Assert.Matches(@"probabilities: f32\[5,10\] sum=5 mean\|x\|=0\.1", stdout.Trim());
        var written = NpyFormat.Read(_tmp.File("probabilities.npy"));
        Assert.Equal([5, 10], written.Shape);
    }

    [Fact]
    public void RunWithNpyInputMatchesTheInterpreter()
    {
        var x = new Tensor<float>(Enumerable.Range(0, 2 * 64).Select(i => MathF.Sin(i)).ToArray(), [2, 64]);
        NpyFormat.Write(x, _tmp.File("x.npy"));
        // Bit for bit against the interpreter, so at graph level (native code may round differently: NativeLevelCommandTests).
        var (exit, _, stderr) = CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.npy"), "-o", _tmp.Path, "--level", "graph");
        Assert.True(exit == 0, stderr);
        var expected = (Tensor<float>)new GraphInterpreter().Run(DemoModels.Mlp(), new Dictionary<string, RuntimeValue> { ["x"] = x })["probabilities"]!;
        Assert.Equal(expected.ToArray(), ((Tensor<float>)NpyFormat.Read(_tmp.File("probabilities.npy"))).ToArray());
    }

    [Fact]
    public void OutputFileNamesReplaceUnsafeCharacters()
    {
        var g = new GraphBuilder("names", opset: 18);
        var x = g.Input("in:0", DataType.Float32, 2);
        g.Output(g.Relu(x), "scores/out:0");
        var path = _tmp.File("names.onnx");
        OnnxExporter.Save(g.Build(), path);
        var (exit, stdout, stderr) = CliHarness.Run("run", path, "--random-inputs", "1", "-o", _tmp.Path);
        Assert.True(exit == 0, stderr);
        Assert.Contains("\nscores/out:0: f32[2]", stdout); // after the native level's summary line
        Assert.True(File.Exists(_tmp.File("scores_out_0.npy")));
    }

    [Fact]
    public void PbInputsAreRead()
    {
        var x = new Tensor<float>(new float[3 * 64], [3, 64]);
        OnnxData.WriteTensor(x, _tmp.File("x.pb"));
        var (exit, stdout, stderr) = CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.pb"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("probabilities: f32[3,10] sum=3", stdout);
    }

    // ---- bad input: one line with a code, a non-zero exit, never a crash ----

    private static void AssertCleanError((int Exit, string Out, string Err) r, ErrorCode code)
    {
        Assert.Equal(CliErrors.BadInput, r.Exit);
        var lines = r.Err.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"error E{(int)code:D4}: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void TruncatedModel()
    {
        var bytes = File.ReadAllBytes(_mlp);
        File.WriteAllBytes(_tmp.File("truncated.onnx"), bytes[..(bytes.Length / 2)]);
        AssertCleanError(CliHarness.Run("run", _tmp.File("truncated.onnx"), "--random-inputs", "0"), ErrorCode.MalformedModel);
        AssertCleanError(CliHarness.Run("info", _tmp.File("truncated.onnx")), ErrorCode.MalformedModel);
    }

    [Fact]
    public void RandomBytes()
    {
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        File.WriteAllBytes(_tmp.File("junk.onnx"), junk);
        AssertCleanError(CliHarness.Run("run", _tmp.File("junk.onnx"), "--random-inputs", "0"), ErrorCode.MalformedModel);
    }

    [Fact]
    public void UnknownOp()
    {
        var g = new Graph.Graph("unknown");
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(2)));
        var y = new Value("y", new TensorType(DataType.Float32, Shape.Of(2)));
        g.Inputs.Add(x);
        g.Nodes.Add(new Node("NoSuchOp", [x], [y]));
        g.Outputs.Add(y);
        OnnxExporter.Save(g, _tmp.File("unknown.onnx"));
        AssertCleanError(CliHarness.Run("run", _tmp.File("unknown.onnx"), "--random-inputs", "0"), ErrorCode.UnsupportedOp);
    }

    [Fact]
    public void WrongInputShape()
    {
        NpyFormat.Write(new Tensor<float>([2, 63]), _tmp.File("x.npy"));
        var r = CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.npy"));
        AssertCleanError(r, ErrorCode.InputShapeMismatch);
        Assert.Contains("dim 1 must be 64", r.Err);
    }

    [Fact]
    public void WrongInputRank() =>
        AssertCleanError(CliHarness.Run("run", _mlp, "--random-inputs", "0", "--shape", "x=2,2,64"), ErrorCode.InputShapeMismatch);

    [Fact]
    public void MissingInput()
    {
        var r = CliHarness.Run("run", _mlp);
        AssertCleanError(r, ErrorCode.MissingInput);
        Assert.Contains("'x'", r.Err);
    }

    [Fact]
    public void InputFileOfTheWrongDtype()
    {
        NpyFormat.Write(new Tensor<long>([2, 64]), _tmp.File("x.npy"));
        var r = CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.npy"));
        AssertCleanError(r, ErrorCode.InputTypeMismatch);
        Assert.Contains("f32", r.Err);
    }

    [Fact]
    public void UnknownInputName() =>
        AssertCleanError(CliHarness.Run("run", _mlp, "--random-inputs", "0", "--shape", "y=1,64"), ErrorCode.UnknownInput);

    [Fact]
    public void SymbolicDimWithoutShapeTellsHowToBindIt()
    {
        var r = CliHarness.Run("run", _mlp, "--random-inputs", "0");
        AssertCleanError(r, ErrorCode.InputShapeMismatch);
        Assert.Contains("--shape x=", r.Err);
    }

    [Fact]
    public void MalformedOptionValues()
    {
        AssertCleanError(CliHarness.Run("run", _mlp, "--input", "x"), ErrorCode.InvalidArgument);
        AssertCleanError(CliHarness.Run("run", _mlp, "--random-inputs", "0", "--shape", "x=a,b"), ErrorCode.InvalidArgument);
    }

    [Fact]
    public void MissingFiles()
    {
        AssertCleanError(CliHarness.Run("run", _tmp.File("nope.onnx")), ErrorCode.FileNotFound);
        AssertCleanError(CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("nope.npy")), ErrorCode.FileNotFound);
    }

    [Fact]
    public void GarbageInputFile()
    {
        File.WriteAllBytes(_tmp.File("x.npy"), [1, 2, 3]);
        AssertCleanError(CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.npy")), ErrorCode.InvalidInputFile);
        File.WriteAllBytes(_tmp.File("x.pb"), [0xFF, 0xFF, 0xFF]);
        var r = CliHarness.Run("run", _mlp, "--input", "x=" + _tmp.File("x.pb"));
        Assert.Equal(CliErrors.BadInput, r.Exit);
    }

    [Fact]
    public void VerboseAddsTheStackTrace()
    {
        var r = CliHarness.Run("run", _mlp, "--verbose");
        Assert.Equal(CliErrors.BadInput, r.Exit);
        Assert.Contains("at ", r.Err);
    }

    [Fact]
    public void DemoBuildsSavesDescribesAndRuns()
    {
        var (exit, stdout, stderr) = CliHarness.Run("demo", "--output-dir", _tmp.Path);
        Assert.True(exit == 0, stderr);
        Assert.Contains("== strata info", stdout);
        Assert.Contains("probabilities: f32[4,10] sum=4", stdout);
        Assert.True(File.Exists(_tmp.File("mlp.onnx")));
        Assert.True(File.Exists(_tmp.File("probabilities.npy")));
        Assert.Contains("Softmax(", File.ReadAllText(_tmp.File("mlp.strata")));
    }
}
