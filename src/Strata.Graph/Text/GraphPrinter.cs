using System.Text;
using Strata.Core;

namespace Strata.Graph.Text;

/// <summary>Prints a level-0 <see cref="Graph"/> as text. The output is deterministic and parses back with
/// <see cref="GraphParser"/> to a graph that prints the same: <c>Print(Parse(Print(g))) == Print(g)</c>.
/// <code>
/// graph @mlp(%x: f32[128,768]) -> (%h: f32[128,3072]) opset {"": 18} {
///   %w = constant : f32[768,3072] dense&lt;"0x0000803F…"&gt;
///   %m = MatMul(%x, %w) : f32[128,3072]
///   %h = Gelu(%m) {approximate = "none"} : f32[128,3072]
///   return %h
/// }
/// </code>
/// Body order: the <c>metadata</c> line (if any), constants, nodes in graph order, <c>return</c>.</summary>
public sealed class GraphPrinter
{
    private readonly GraphPrinterOptions _options;
    private readonly StringBuilder _sb = new();

    private GraphPrinter(GraphPrinterOptions options) { _options = options; }

    /// <summary>The text of <paramref name="graph"/>, ending with a newline.</summary>
    public static string Print(Graph graph, GraphPrinterOptions? options = null)
    {
        var printer = new GraphPrinter(options ?? GraphPrinterOptions.Default);
        printer.AppendGraph(graph, 0, null);
        printer._sb.Append('\n');
        return printer._sb.ToString();
    }

    /// <summary>The text of one node (one line, no indentation or newline), e.g. for diagnostics.</summary>
    public static string PrintNode(Node node, GraphPrinterOptions? options = null)
    {
        var printer = new GraphPrinter(options ?? GraphPrinterOptions.Default);
        printer.AppendNode(node, 0);
        return printer._sb.ToString();
    }

    private void AppendGraph(Graph g, int indent, Graph? parent)
    {
        _sb.Append("graph ").Append(TextSyntax.GraphRef(g.Name)).Append('(');
        AppendTypedValues(g.Inputs);
        _sb.Append(") -> (");
        AppendTypedValues(g.Outputs);
        _sb.Append(')');
        if (parent is null || !SameOpsets(g.OpsetImports, parent.OpsetImports))
        {
            _sb.Append(" opset {");
            bool first = true;
            foreach (var kv in g.OpsetImports.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!first) _sb.Append(", ");
                first = false;
                TextSyntax.AppendQuoted(_sb, kv.Key);
                _sb.Append(": ").Append(TextSyntax.FormatInt(kv.Value));
            }
            _sb.Append('}');
        }
        _sb.Append(" {\n");
        int inner = indent + 2;
        if (g.Metadata.Count > 0)
        {
            Indent(inner).Append("metadata {");
            bool first = true;
            foreach (var kv in g.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!first) _sb.Append(", ");
                first = false;
                _sb.Append(TextSyntax.Identifier(kv.Key)).Append(" = ");
                TextSyntax.AppendQuoted(_sb, kv.Value);
            }
            _sb.Append("}\n");
        }
        foreach (var c in g.Constants)
        {
            Indent(inner).Append(TextSyntax.ValueRef(c.Name)).Append(" = constant : ");
            if (c.Constant is { } data)
            {
                TextSyntax.AppendType(_sb, data.Type);
                _sb.Append(' ');
                AppendTensorData(data);
            }
            else
            {
                // Not a valid constant (the verifier reports it); printed so the text still shows the graph.
                TextSyntax.AppendType(_sb, c.Type);
                _sb.Append(" dense_resource<elided>");
            }
            _sb.Append('\n');
        }
        foreach (var node in g.Nodes)
        {
            Indent(inner);
            AppendNode(node, inner, g);
            _sb.Append('\n');
        }
        Indent(inner).Append("return");
        for (int i = 0; i < g.Outputs.Count; i++)
            _sb.Append(i == 0 ? " " : ", ").Append(TextSyntax.ValueRef(g.Outputs[i].Name));
        _sb.Append('\n');
        Indent(indent).Append('}');
    }

    private void AppendNode(Node node, int indent, Graph? graph = null)
    {
        if (node.Outputs.Length > 0)
        {
            AppendValueList(node.Outputs);
            _sb.Append(" = ");
        }
        if (node.Domain.Length > 0) _sb.Append(TextSyntax.Identifier(node.Domain)).Append("::");
        _sb.Append(TextSyntax.Identifier(node.OpType)).Append('(');
        AppendValueList(node.Inputs);
        _sb.Append(')');
        if (node.Attributes.Count > 0)
        {
            _sb.Append(" {");
            bool first = true;
            foreach (var a in node.Attributes.Values)
            {
                if (!first) _sb.Append(", ");
                first = false;
                _sb.Append(TextSyntax.Identifier(a.Name)).Append(" = ");
                AppendAttributeValue(a, indent, graph);
            }
            _sb.Append('}');
        }
        if (node.Outputs.Length > 0)
        {
            _sb.Append(" : ");
            for (int i = 0; i < node.Outputs.Length; i++)
            {
                if (i > 0) _sb.Append(", ");
                if (node.Outputs[i] is { } o) TextSyntax.AppendType(_sb, o.Type);
                else _sb.Append('_');
            }
        }
        if (_options.PrintNodeNames && node.Name.Length > 0)
        {
            _sb.Append(" loc(");
            TextSyntax.AppendQuoted(_sb, node.Name);
            _sb.Append(')');
        }
    }

    private void AppendAttributeValue(Attribute a, int indent, Graph? graph)
    {
        switch (a.Kind, a.Value)
        {
            case (AttributeKind.Int, long v):
                _sb.Append(TextSyntax.FormatInt(v));
                break;
            case (AttributeKind.Float, float v):
                _sb.Append(TextSyntax.FormatFloat(v));
                if (float.IsNaN(v)) _sb.Append(" : f32");
                break;
            case (AttributeKind.String, string v):
                TextSyntax.AppendQuoted(_sb, v);
                break;
            case (AttributeKind.Ints, long[] v):
                AppendList(v, x => _sb.Append(TextSyntax.FormatInt(x)), "i64");
                break;
            case (AttributeKind.Floats, float[] v):
                AppendList(v, x => _sb.Append(TextSyntax.FormatFloat(x)), "f32");
                break;
            case (AttributeKind.Strings, string[] v):
                AppendList(v, x => TextSyntax.AppendQuoted(_sb, x), "str");
                break;
            case (AttributeKind.Tensor, Tensor v):
                AppendTensorLiteral(v);
                break;
            case (AttributeKind.Tensors, Tensor[] v):
                AppendList(v, AppendTensorLiteral, "tensor");
                break;
            case (AttributeKind.Graph, Graph v):
                AppendGraph(v, indent, graph);
                break;
            case (AttributeKind.Graphs, Graph[] v):
                AppendList(v, x => AppendGraph(x, indent, graph), "graph");
                break;
            case (AttributeKind.Type, Core.ValueType v):
                AppendTypeLiteral(v);
                break;
            case (AttributeKind.Types, Core.ValueType[] v):
                AppendList(v, AppendTypeLiteral, "type");
                break;
            default:
                throw new StrataException(ErrorCode.InvalidIr,
                    $"attribute '{a.Name}' of kind {a.Kind} holds a {a.Value?.GetType().Name ?? "null"}",
                    "build attributes with Attribute.Of or the payload type documented on Attribute");
        }
    }

    private void AppendList<T>(T[] items, Action<T> append, string elementKind)
    {
        _sb.Append('[');
        for (int i = 0; i < items.Length; i++)
        {
            if (i > 0) _sb.Append(", ");
            append(items[i]);
        }
        _sb.Append("] : ").Append(elementKind).Append("[]");
    }

    private void AppendTypeLiteral(Core.ValueType t)
    {
        _sb.Append("type<");
        TextSyntax.AppendType(_sb, t);
        _sb.Append('>');
    }

    /// <summary><c>dense&lt;…&gt; : f32[2,3]</c>, as in attributes.</summary>
    private void AppendTensorLiteral(Tensor t)
    {
        AppendTensorData(t);
        _sb.Append(" : ");
        TextSyntax.AppendType(_sb, t.Type);
    }

    private void AppendTensorData(Tensor t)
    {
        if (_options.ElideConstantsLargerThan is { } limit && t.Length > limit)
            _sb.Append("dense_resource<elided>");
        else
            TensorText.AppendDense(_sb, t);
    }

    private void AppendTypedValues(List<Value> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) _sb.Append(", ");
            _sb.Append(TextSyntax.ValueRef(values[i].Name)).Append(": ");
            TextSyntax.AppendType(_sb, values[i].Type);
        }
    }

    private void AppendValueList(IReadOnlyList<Value?> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) _sb.Append(", ");
            _sb.Append(values[i] is { } v ? TextSyntax.ValueRef(v.Name) : "_");
        }
    }

    private StringBuilder Indent(int n) => _sb.Append(' ', n);

    internal static bool SameOpsets(Dictionary<string, int> a, Dictionary<string, int> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        foreach (var kv in a)
            if (!b.TryGetValue(kv.Key, out int v) || v != kv.Value) return false;
        return true;
    }
}
