using System.CommandLine;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Tile.Execution;

namespace Strata.Cli.Commands;

/// <summary><c>strata run MODEL</c>: runs a model on given or random inputs and reports/writes its outputs.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var input = new Option<string[]>("--input", "-i") { Description = "NAME=FILE (.npy or ONNX TensorProto .pb); repeatable", AllowMultipleArgumentsPerToken = false };
        var shape = new Option<string[]>("--shape") { Description = "NAME=D1,D2,... binds an input's shape (for random inputs with symbolic dims); repeatable" };
        var random = new Option<int?>("--random-inputs") { Description = "Fill inputs not given with --input with random data from this seed" };
        var outDir = new Option<string?>("--output-dir", "-o") { Description = "Write each output as NAME.npy into this folder" };
        var level = new Option<string>("--level")
        {
            Description = "IR level to run at: graph (reference interpreter), tile (fused Tile kernels, fallbacks for what does not lower) "
                + "or block (the kernels lowered to Block with their default configs, after the Block passes)",
            DefaultValueFactory = _ => "graph",
        };
        var dumpIr = new Option<string?>("--dump-ir") { Description = "At --level tile or block: write the IR after every pass and the program's steps (with fallback reasons) into this folder" };
        var verifyEach = new Option<bool>("--verify-each") { Description = "At --level tile or block: verify the graph and every kernel after every pass" };
        var cmd = new Command("run", "Run a model and print a summary of each output") { model, input, shape, random, outDir, level, dumpIr, verifyEach };
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var lvl = parse.GetValue(level)!;
            if (lvl is not ("graph" or "tile" or "block"))
                throw new StrataException(ErrorCode.InvalidArgument, $"unknown level '{lvl}'", "use --level graph, tile or block");
            var graph = ModelLoader.Load(parse.GetValue(model)!);
            var inputs = InputLoader.Load(graph, parse.GetValue(input) ?? [], parse.GetValue(shape) ?? [], parse.GetValue(random));
            IReadOnlyDictionary<string, RuntimeValue?> outputs;
            if (lvl == "tile")
            {
                // Compiled for this run: small inputs (shapes, axes, scales) are compiled as constants, as in conformance.
                var options = new TileCompilerOptions { DumpDirectory = parse.GetValue(dumpIr), VerifyEach = parse.GetValue(verifyEach), SpecializeSmallInputs = 16 };
                var (program, stats) = new TileCompiler(options).CompileCounted(graph, inputs);
                output.WriteLine($"tile: {program.Kernels.Count()} kernels, {program.Fallbacks.Count()} fallbacks; {stats.SummaryLine}");
                outputs = new TileProgramExecutor().Run(program, inputs);
            }
            else if (lvl == "block")
            {
                var options = CompilerOptions.Default with { DumpDirectory = parse.GetValue(dumpIr), VerifyEach = parse.GetValue(verifyEach) };
                var compiled = new Compiler(options).Compile(graph, inputs);
                output.WriteLine($"block: {compiled.Kernels.Length} kernels, {compiled.Program.Fallbacks.Count()} fallbacks; {compiled.Stats.SummaryLine}");
                outputs = compiled.Run(inputs);
            }
            else
            {
                InputBinding.Specialize(graph, inputs);
                outputs = new GraphInterpreter().Run(graph, inputs);
            }
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
