using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>A padded stride-1 convolution reads a padded copy of its input instead: <c>Conv(x, pads = p)</c> becomes
/// <c>Conv(Pad(x, p), pads = 0)</c>. The Pad is a kernel of its own (fusion starts a kernel at every contraction and
/// absorbs only pure views as its prologue), one vectorised parallel copy of the input; the conv then reads its input
/// rows unconditionally: no padding bounds per tap, no masked loads at the plane's edges, and its input operand is a
/// plain affine load. Applies by <see cref="Pays"/>.</summary>
public sealed class PrePadConvInput(ConvPrePadding mode = ConvPrePadding.Default) : IGraphPass
{
    public string Name => "PrePadConvInput";

    public ConvPrePadding Mode { get; } = mode;

    public Graph.Graph Run(Graph.Graph graph)
    {
        var mode = Environment.GetEnvironmentVariable("STRATA_PREPAD") == "0" ? ConvPrePadding.Never : Mode; // TEMP A/B
        if (mode == ConvPrePadding.Never) return graph;
        foreach (var conv in graph.Nodes.ToList())
            if (Candidate(conv) is { } c && (mode == ConvPrePadding.Always || Pays(c.Channels, c.Output, c.Taps)))
                Rewrite(graph, conv, c.Pads, c.Padded);
        return graph;
    }

    /// <summary>Least output positions (oh·ow) of a plane whose conv reads a padded copy: the copy costs a pass over
    /// the input and a kernel launch, paid back where the plane's rows are long.</summary>
    public const long MinPlane = 20 * 20;

    /// <summary>The cost rule: wide input channels (above <see cref="DotShape.WideLanes"/>: narrower ones merge their
    /// taps into K, <see cref="MergeContractionTaps"/>, and pack their K rows anyway) on a large plane.</summary>
    public static bool Pays(long channels, long plane, long taps) =>
        channels > DotShape.WideLanes && plane >= MinPlane && taps > 1;

    private static (long Channels, long Output, long Taps, long[] Pads, long[] Padded)? Candidate(Node conv)
    {
        if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Inputs.Length < 2) return null;
        if (conv.Inputs[0] is not { TensorType: { ElementType: DataType.Float32, Shape: { Rank: 4 } xs } } x || !xs.IsFullyKnown) return null;
        if (x.IsConstant || conv.Inputs[1]?.TensorType?.Shape is not { Rank: 4 } ws || !ws.IsFullyKnown) return null;
        if (conv.Outputs[0]?.TensorType?.Shape is not { Rank: 4 } ys || !ys.IsFullyKnown) return null;
        if (conv.GetInt("group", 1) != 1 || conv.GetString("auto_pad", "NOTSET") != "NOTSET") return null;
        if (conv.GetInts("strides") is { } s && s.Any(v => v != 1)) return null;
        if (conv.GetInts("dilations") is { } d && d.Any(v => v != 1)) return null;
        if (conv.GetInts("pads") is not { Length: 4 } pads || pads.All(p => p == 0) || pads.Any(p => p < 0)) return null;
        long kh = ws[2].Value!.Value, kw = ws[3].Value!.Value;
        var padded = new[] { xs[0].Value!.Value, xs[1].Value!.Value, xs[2].Value!.Value + pads[0] + pads[2], xs[3].Value!.Value + pads[1] + pads[3] };
        return (xs[1].Value!.Value, ys[2].Value!.Value * ys[3].Value!.Value, kh * kw, pads, padded);
    }

    private static void Rewrite(Graph.Graph graph, Node conv, long[] pads, long[] padded)
    {
        var x = conv.Inputs[0]!;
        // ONNX pads: all begins, then all ends, over (n, c, h, w).
        long[] onnxPads = [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]];
        var xp = new Value(GraphNames.Unique(graph, x.Name + "_padded"), new TensorType(DataType.Float32, Shape.Of(padded)));
        Node pad;
        if (graph.Opset() >= 11)
        {
            var p = graph.AddConstant(GraphNames.Unique(graph, x.Name + "_pads"), new Tensor<long>(onnxPads, [8]));
            pad = new Node("Pad", [x, p], [xp], [Graph.Attribute.Of("mode", "constant")], name: conv.Name + "_pad");
        }
        else pad = new Node("Pad", [x], [xp], [Graph.Attribute.Of("mode", "constant"), Graph.Attribute.Of("pads", onnxPads)], name: conv.Name + "_pad");
        graph.Nodes.Insert(graph.Nodes.IndexOf(conv), pad);
        conv.Inputs = conv.Inputs.SetItem(0, xp);
        conv.Attributes = conv.Attributes.SetItem("pads", Graph.Attribute.Of("pads", new long[4]));
    }
}

/// <summary>Which convolutions <see cref="PrePadConvInput"/> gives a padded copy of their input: by its cost rule, none,
/// or all it can (tests, experiments).</summary>
public enum ConvPrePadding
{
    Default,
    Never,
    Always,
}
