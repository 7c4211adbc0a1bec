using System.CommandLine;
using System.Globalization;
using Strata.Block.Compilation;
using Strata.Tile.Execution;

namespace Strata.Cli.Commands;

/// <summary><c>strata compile MODEL</c>: compiles a model down to the Block level and prints, per kernel, the graph
/// nodes it implements and its config, then the lowered-vs-fallback counts overall and per op. <c>--dump-ir DIR</c>
/// writes every level's text (<see cref="IrDump"/>); <c>--verify-each</c> verifies after every pass.</summary>
public static class CompileCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var inputs = new ModelInputOptions();
        var dump = new Option<string?>("--dump-ir") { Description = "Write the text of every kernel after every pass, at every level, into this folder" };
        var verify = new Option<bool>("--verify-each") { Description = "Verify the IR after every pass (stops at the first invalid one, naming the pass)" };
        var cmd = new Command("compile", "Compile a model to Tile and Block kernels and report them") { model, dump, verify };
        inputs.AddTo(cmd);
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var graph = ModelLoader.Load(parse.GetValue(model)!);
            // Only the shapes matter: values not given are random (seed 0).
            var values = inputs.Load(parse, graph, defaultSeed: 0);
            var options = CompilerOptions.Default with { DumpDirectory = parse.GetValue(dump), VerifyEach = parse.GetValue(verify) };
            var compiled = new Compiler(options).Compile(graph, values);
            Write(output, compiled);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The report: one block per kernel, one line per fallback, then the counts.</summary>
    public static void Write(TextWriter output, CompiledModel model)
    {
        output.WriteLine($"compiled @{model.Graph.Name}: {model.Kernels.Length} kernels, {model.Program.Fallbacks.Count()} fallbacks");
        var kernels = model.Kernels.ToDictionary(k => k.Name, StringComparer.Ordinal);
        foreach (var step in model.Program.Steps)
        {
            if (step is Tile.KernelStep k)
            {
                var c = kernels[k.Kernel.Name];
                output.WriteLine($"kernel @{c.Name}: {string.Join(", ", k.Nodes.Select(n => n.OpKey))}");
                output.WriteLine($"  nodes:  {string.Join(", ", k.Nodes.Select(NodeText))}");
                output.WriteLine($"  values: ({string.Join(", ", k.Inputs.Select(v => "%" + v.Name))}) -> ({string.Join(", ", k.Outputs.Select(v => "%" + v.Name))})");
                output.WriteLine($"  config: {c.Config}");
                if (c.Block is { } b)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  block:  grid({string.Join(", ", b.Grid)}), {b.Body.Length} top-level ops"));
            }
            else if (step is Tile.FallbackStep f)
                output.WriteLine($"fallback {f.Node.OpKey} ({NodeText(f.Node)}): {f.Reason}");
        }
        WriteStats(output, model.Stats);
    }

    public static void WriteStats(TextWriter output, LoweringStats stats)
    {
        output.WriteLine(stats.SummaryLine);
        if (stats.ByOp.IsEmpty) return;
        int width = Math.Max(2, stats.ByOp.Max(c => c.Op.Length));
        output.WriteLine($"  {"op".PadRight(width)}  lowered  fallback  removed");
        foreach (var c in stats.ByOp)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Op.PadRight(width)}  {c.Lowered,7}  {c.Fallback,8}  {c.Removed,7}"));
    }

    private static string NodeText(Graph.Node n) =>
        $"{n.OpKey} -> {string.Join(", ", n.Outputs.Select(v => v is null ? "_" : "%" + v.Name))}";
}
