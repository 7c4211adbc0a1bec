using System.CommandLine;
using Strata.Cli.Execution;
using Strata.Core;

namespace Strata.Cli.Commands;

/// <summary><c>strata run MODEL</c>: runs a model (natively by default) on given or random inputs and reports/writes
/// its outputs.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var input = new Option<string[]>("--input", "-i") { Description = "NAME=FILE (.npy or ONNX TensorProto .pb); repeatable", AllowMultipleArgumentsPerToken = false };
        var shape = new Option<string[]>("--shape") { Description = "NAME=D1,D2,... binds an input's shape (for random inputs with symbolic dims); repeatable" };
        var random = new Option<int?>("--random-inputs") { Description = "Fill inputs not given with --input with random data from this seed" };
        var outDir = new Option<string?>("--output-dir", "-o") { Description = "Write each output as NAME.npy into this folder" };
        var levelOptions = new RunSettings.Options();
        var dumpIr = new Option<string?>("--dump-ir") { Description = "At --level tile or block: write the IR after every pass and the program's steps (with fallback reasons) into this folder" };
        var verifyEach = new Option<bool>("--verify-each") { Description = "At --level tile or block: verify the graph and every kernel after every pass" };
        var cmd = new Command("run", "Run a model and print a summary of each output") { model, input, shape, random, outDir, dumpIr, verifyEach };
        levelOptions.AddTo(cmd);
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var settings = levelOptions.Read(parse, parse.GetValue(dumpIr), parse.GetValue(verifyEach));
            var graph = ModelLoader.Load(parse.GetValue(model)!);
            var inputs = InputLoader.Load(graph, parse.GetValue(input) ?? [], parse.GetValue(shape) ?? [], parse.GetValue(random));
            using var runner = LevelRunner.Create(settings, graph, inputs);
            if (runner.Summary is { } summary) output.WriteLine(summary);
            var outputs = runner.Run(inputs);
            var dir = parse.GetValue(outDir);
            foreach (var (name, value) in outputs)
            {
                output.WriteLine(OutputReport.Summarize(name, value));
                if (dir is not null) OutputReport.Write(dir, name, value);
            }
            return 0;
        }));
        return cmd;
    }
}
