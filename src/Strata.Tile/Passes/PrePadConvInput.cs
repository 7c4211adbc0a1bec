using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>A padded convolution (group 1, no dilation, any stride) reads a padded copy of its input instead:
/// <c>Conv(x, pads = p)</c> becomes <c>Conv(Pad(x, p), pads = 0)</c>. The Pad is a kernel of its own (fusion starts a kernel at every contraction and
/// absorbs only pure views as its prologue), one vectorised parallel copy of the input; the conv then reads its input
/// rows unconditionally: no padding bounds per tap, no masked loads at the plane's edges, and its input operand is a
/// plain affine load. Applies by <see cref="Pays"/>.</summary>
public sealed class PrePadConvInput(ConvPrePadding mode = ConvPrePadding.Default) : IGraphPass
{
    public string Name => "PrePadConvInput";

    public ConvPrePadding Mode { get; } = mode;

    public Graph.Graph Run(Graph.Graph graph)
    {
        if (Mode == ConvPrePadding.Never) return graph;
        // Convs that read one input with the same pads (an inception block's branches) share its padded copy.
        var copies = new Dictionary<(Value, string), Value>();
        foreach (var conv in graph.Nodes.ToList())
            if (Candidate(conv) is { } c && (Mode == ConvPrePadding.Always || Pays(c.Channels, c.OutHeight, c.OutWidth, c.Taps) || PaysNarrow(c.Channels, c.OutHeight, c.OutWidth, c.Taps)))
            {
                var key = (conv.Inputs[0]!, string.Join(",", c.Pads));
                if (!copies.TryGetValue(key, out var xp)) copies[key] = xp = AddPad(graph, conv, c.Pads, c.Padded);
                conv.Inputs = conv.Inputs.SetItem(0, xp);
                conv.Attributes = conv.Attributes.SetItem("pads", Graph.Attribute.Of("pads", new long[4]));
            }
        return graph;
    }

    /// <summary>Least output positions (oh·ow) of a plane whose conv reads a padded copy: the copy costs a kernel
    /// launch and a pass over the input; measured paying down to 7×7 planes (resnet50's 3×3 512→512 at 7×7: 1.75–1.89
    /// → 1.54–1.63 ms with a 0.01–0.02 ms Pad; 256→256 at 14×14 1.32–1.42 → 1.18–1.26 ms with a 0.015 ms Pad).</summary>
    public const long MinPlane = 7 * 7;

    /// <summary>The cost rule: wide input channels (above <see cref="DotShape.WideLanes"/>: narrower ones merge their
    /// taps into K, <see cref="MergeContractionTaps"/>, and pack their K rows anyway), more than one tap, a plane of at
    /// least <see cref="MinPlane"/> outputs. Where its rows are no multiple of <see cref="DotShape.WideLanes"/> or are
    /// short ones of whole vectors (<see cref="DotShape.MaxShortWholeVectorRow"/>), such a conv takes its channels as the
    /// dot's columns (<see cref="DotShape.WantsChannelColumns"/>) and packs its input rows, masked at the plane's edges,
    /// for every tap; reading a padded copy it reads them in place. Thread CPU at 1 thread
    /// (unpadded → padded conv, + the Pad kernel): resnet50's 3×3 64→64 at 56×56 1.41–1.53 → 1.15–1.20 ms + 0.06,
    /// 128→128 at 28×28 1.33 → 1.08 + 0.04; densenet121's 128→32 at 56×56 1.42–1.62 → 1.06–1.34 + 0.12–0.26, at
    /// 28×28 0.40–0.50 → 0.27 + 0.03; vgg19's 512→512 at 28×28 22.6–23.5 → 19.3–20.1 + 0.3. Rows of whole vectors
    /// (ow = 224, 112: the channels stay rows, N = ow, masked only in the edge vectors) gained nothing with 64-wide column
    /// blocks (a masked tail block packs its input): vgg19's 64→64 at 224×224 24.1 → 24.4 ms with a 2.0 ms Pad; with
    /// blocks of whole vectors longer than 64 (KnobSpace.PaddedRowDivides: 224 → 7 × 32, 112 → 112; h/nest2) 24.4 → 17.2
    /// + 1.8. Short rows of whole vectors (ow = 16 … 64) pay with their channels as columns (measured in
    /// <see cref="DotShape.MaxShortWholeVectorRow"/>). Strided convs gain too (their input
    /// columns are read as broadcast scalars, a stride apart): resnet50's 3×3/2 128→128 1.64–1.84 → 1.31–1.35 ms + 0.14–0.19, 256→256 1.63–1.77 →
    /// 1.44–1.45 + 0.07–0.10, 512→512 to 7×7 1.91–2.10 → 1.79–1.84 + 0.03–0.06.</summary>
    public static bool Pays(long channels, long outHeight, long outWidth, long taps) =>
        channels > DotShape.WideLanes && taps > 1 && outHeight * outWidth >= MinPlane;

    /// <summary>The cost rule's clause for narrow inputs (h/stem4): a conv whose taps merge into K
    /// (<see cref="MergeContractionTaps"/>: channels up to <see cref="DotShape.WideLanes"/> with at most
    /// <see cref="MergeContractionTaps.MaxTaps"/> taps, or an image stem's <see cref="MergeContractionTaps.StemChannels"/>
    /// at any number) packs each K row (ci, kh, kw) of its input per program, at any stride; reading the padded copy,
    /// every packed vector is a plain (strided) load with no padding range to compute per row and no masked edge
    /// vectors. The copy is small (an image: 3 × 230 × 230 f32, 0.6 MB, 0.09–0.11 ms; squeezenet's 16 × 57 × 57,
    /// 0.008 ms). Only on planes of at least <see cref="MinNarrowPlane"/> outputs. Thread CPU at 1 thread (conv before →
    /// after, + the Pad kernel): the 7×7/2 stems of resnet50 1.55 → 1.31 + 0.10 ms, inception v2 1.50 → 1.23 + 0.09;
    /// squeezenet's 16→64 3×3 at 55×55 0.42–0.44 → 0.34–0.35 + 0.008 (both before the commits that read the copy in place
    /// and keep the stems' epilogue in registers).</summary>
    public static bool PaysNarrow(long channels, long outHeight, long outWidth, long taps) =>
        taps > 1 && outHeight * outWidth >= MinNarrowPlane
        && (channels <= DotShape.WideLanes && taps <= MergeContractionTaps.MaxTaps || channels <= MergeContractionTaps.StemChannels);

    /// <summary>Least output positions (oh·ow) of a narrow-input conv that reads a padded copy: the saving grows with the
    /// packed rows' length and count, the copy's kernel launch does not (a judgement, not measured per shape; the
    /// smallest measured case is squeezenet's 55×55).</summary>
    public const long MinNarrowPlane = 32 * 32;

    private static (long Channels, long OutHeight, long OutWidth, long Taps, long[] Pads, long[] Padded)? Candidate(Node conv)
    {
        if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Inputs.Length < 2) return null;
        if (conv.Inputs[0] is not { TensorType: { ElementType: DataType.Float32, Shape: { Rank: 4 } xs } } x || !xs.IsFullyKnown) return null;
        if (x.IsConstant || conv.Inputs[1]?.TensorType?.Shape is not { Rank: 4 } ws || !ws.IsFullyKnown) return null;
        if (conv.Outputs[0]?.TensorType?.Shape is not { Rank: 4 } ys || !ys.IsFullyKnown) return null;
        if (conv.GetInt("group", 1) != 1 || conv.GetString("auto_pad", "NOTSET") != "NOTSET") return null;
        if (conv.GetInts("dilations") is { } d && d.Any(v => v != 1)) return null;
        if (conv.GetInts("pads") is not { Length: 4 } pads || pads.All(p => p == 0) || pads.Any(p => p < 0)) return null;
        long kh = ws[2].Value!.Value, kw = ws[3].Value!.Value;
        var padded = new[] { xs[0].Value!.Value, xs[1].Value!.Value, xs[2].Value!.Value + pads[0] + pads[2], xs[3].Value!.Value + pads[1] + pads[3] };
        return (xs[1].Value!.Value, ys[2].Value!.Value, ys[3].Value!.Value, kh * kw, pads, padded);
    }

    /// <summary>A Pad of <paramref name="conv"/>'s input by its pads, placed before it; returns the padded value.</summary>
    private static Value AddPad(Graph.Graph graph, Node conv, long[] pads, long[] padded)
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
        return xp;
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
