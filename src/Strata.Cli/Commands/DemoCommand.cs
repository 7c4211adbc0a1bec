using System.CommandLine;
using Strata.Cli.Demo;
using Strata.Core;
using Strata.Graph;

namespace Strata.Cli.Commands;

/// <summary><c>strata demo</c>: the main job on an embedded default. Builds a small MLP with the C# graph builder,
/// saves it as ONNX, then does what <c>strata info</c> and <c>strata run --random-inputs 0 --shape x=4,64</c> do.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--output-dir", "-o")
        {
            Description = "Folder for mlp.onnx, its graph text and the outputs",
            DefaultValueFactory = _ => "strata-demo",
        };
        var cmd = new Command("demo", "Build a small MLP with the graph builder, save it as ONNX, describe it and run it") { outDir };
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var dir = parse.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var modelPath = Path.Combine(dir, "mlp.onnx");
            Onnx.OnnxExporter.Save(DemoModels.Mlp(), modelPath);
            output.WriteLine($"== built mlp with the C# graph builder and saved {modelPath}");

            var graph = ModelLoader.Load(modelPath);
            output.WriteLine($"== strata info {modelPath}");
            output.Write(InfoCommand.Describe(graph, modelPath));

            var textPath = Path.Combine(dir, "mlp.strata");
            File.WriteAllText(textPath, Graph.Text.GraphPrinter.Print(graph, new Graph.Text.GraphPrinterOptions { ElideConstantsLargerThan = 16 }));
            output.WriteLine($"== graph text (weights elided) written to {textPath}");

            output.WriteLine($"== strata run {modelPath} --random-inputs 0 --shape x=4,64 --output-dir {dir}");
            var inputs = InputLoader.Load(graph, [], ["x=4,64"], randomSeed: 0);
            InputBinding.Specialize(graph, inputs);
            foreach (var (name, value) in new GraphInterpreter().Run(graph, inputs))
            {
                output.WriteLine(OutputReport.Summarize(name, value));
                OutputReport.Write(dir, name, value);
            }
            return 0;
        }));
        return cmd;
    }
}
