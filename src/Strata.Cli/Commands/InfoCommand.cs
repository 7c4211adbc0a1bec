using Strata.Core;
using System.CommandLine;
using System.Globalization;
using Strata.Graph;

namespace Strata.Cli.Commands;

/// <summary><c>strata info MODEL</c>: inputs, outputs, dims, opsets and op counts.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var cmd = new Command("info", "Describe a model: inputs, outputs, opsets, op counts") { model };
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var path = parse.GetValue(model)!;
            var graph = ModelLoader.Load(path);
            output.Write(Describe(graph, path));
            return 0;
        }));
        return cmd;
    }

    public static string Describe(Graph.Graph graph, string path)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"model: {path}");
        w.WriteLine($"graph: {graph.Name}");
        w.WriteLine("opsets: " + string.Join(", ", graph.OpsetImports.OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(kv => $"{(kv.Key.Length == 0 ? "ai.onnx" : kv.Key)} {kv.Value}")));
        w.WriteLine("inputs:");
        foreach (var i in graph.Inputs) w.WriteLine($"  {i.Name}: {i.Type?.ToString() ?? "?"}");
        w.WriteLine("outputs:");
        foreach (var o in graph.Outputs) w.WriteLine($"  {o.Name}: {o.Type?.ToString() ?? "?"}");
        long bytes = graph.Constants.Sum(c => (long)(c.Constant?.Length ?? 0) * Math.Max(1, (c.Constant?.DataType.BitWidth() ?? 8) / 8));
        w.WriteLine($"constants: {graph.Constants.Count} ({bytes:N0} bytes)");
        w.WriteLine($"nodes: {graph.Nodes.Count}");
        w.WriteLine("ops:");
        foreach (var g in graph.Nodes.GroupBy(n => n.OpKey).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            w.WriteLine($"  {g.Key,-28} {g.Count(),5}");
        return w.ToString();
    }
}
