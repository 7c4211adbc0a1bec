using System.Globalization;
using System.Text;
using Strata.Core;
using Strata.Graph;

namespace Strata.Onnx.Tests;

/// <summary>A plain text form of a graph for comparing structure in tests: values by name, nodes with
/// attributes (tensor attributes and constants by type and contents), subgraphs nested.</summary>
internal static class GraphDump
{
    public static string Of(Graph.Graph g)
    {
        var sb = new StringBuilder();
        Write(g, sb, "");
        return sb.ToString();
    }

    private static void Write(Graph.Graph g, StringBuilder sb, string indent)
    {
        sb.Append(indent).Append("graph ").Append(g.Name).Append('(')
          .Append(string.Join(", ", g.Inputs.Select(v => $"{v.Name}: {v.Type}"))).AppendLine(")");
        foreach (var c in g.Constants) sb.Append(indent).Append("  const ").Append(c.Name).Append(" = ").AppendLine(TensorText(c.Constant!));
        foreach (var n in g.Nodes)
        {
            sb.Append(indent).Append("  ").Append(string.Join(", ", n.Outputs.Select(o => o?.Name ?? "_")))
              .Append(" = ").Append(n.OpKey).Append('(').Append(string.Join(", ", n.Inputs.Select(i => i?.Name ?? "_"))).Append(')');
            foreach (var a in n.Attributes.Values.Where(a => a.Kind is not (AttributeKind.Graph or AttributeKind.Graphs)))
                sb.Append(' ').Append(a.Name).Append('=').Append(AttrText(a));
            sb.AppendLine();
            foreach (var a in n.Attributes.Values)
            {
                if (a.Kind == AttributeKind.Graph) Write(a.AsGraph(), sb, indent + "    ");
                if (a.Kind == AttributeKind.Graphs) foreach (var s in a.AsGraphs()) Write(s, sb, indent + "    ");
            }
        }
        sb.Append(indent).Append("  return ").AppendLine(string.Join(", ", g.Outputs.Select(o => $"{o.Name}: {o.Type}")));
    }

    private static string AttrText(Graph.Attribute a) => a.Kind switch
    {
        AttributeKind.Tensor => TensorText(a.AsTensor()),
        AttributeKind.Tensors => "[" + string.Join(";", a.AsTensors().Select(TensorText)) + "]",
        AttributeKind.Float => a.AsFloat().ToString("R", CultureInfo.InvariantCulture),
        AttributeKind.Floats => "[" + string.Join(",", a.AsFloats().Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "]",
        AttributeKind.Ints => "[" + string.Join(",", a.AsInts()) + "]",
        AttributeKind.Strings => "[" + string.Join(",", a.AsStrings()) + "]",
        AttributeKind.Types => "[" + string.Join(",", (Core.ValueType[])a.Value) + "]",
        _ => a.Value.ToString() ?? "",
    };

    private static string TensorText(Tensor t) =>
        t.Type + "{" + string.Join(",", Enumerable.Range(0, t.Length).Select(i => Convert.ToString(t.GetValue(i), CultureInfo.InvariantCulture))) + "}";
}
