using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>A strided 1×1 convolution (no padding) reads a subsampled copy of its input instead:
/// <c>Conv(x, 1×1, strides = s)</c> becomes <c>Conv(MaxPool(x, 1×1, strides = s), strides = 1)</c>. A one-tap MaxPool
/// is an exact strided copy at every opset (Slice takes steps only from opset 10; the max of one element is that
/// element, NaN and −0 included) and a kernel of its own (fusion absorbs only pure views as a contraction's prologue,
/// and starts a pool's kernel after a contraction). The conv then reads whole contiguous rows of a stride-1 plane:
/// its output positions merge into the dot's columns (M = co, N = oh·ow) instead of taking the channels as columns
/// over rows that each program gathers a stride apart from a weight matrix read with a row stride of co.
/// Applies by <see cref="Pays"/>, or to every candidate when <paramref name="always"/> (tests, experiments).</summary>
public sealed class SubsamplePointwiseConvInput(bool always = false) : IGraphPass
{
    public string Name => "SubsamplePointwiseConvInput";

    public bool Always { get; } = always;

    public Graph.Graph Run(Graph.Graph graph)
    {
        // Convs that read one input with the same strides share its subsampled copy.
        var copies = new Dictionary<(Value, long, long), Value>();
        foreach (var conv in graph.Nodes.ToList())
            if (Candidate(conv) is { } c && (Always || Pays(c.InChannels, c.OutChannels, c.Strides)))
            {
                var key = (conv.Inputs[0]!, c.Strides[0], c.Strides[1]);
                if (!copies.TryGetValue(key, out var xs)) copies[key] = xs = AddSubsample(graph, conv, c.Strides, c.Subsampled);
                conv.Inputs = conv.Inputs.SetItem(0, xs);
                conv.Attributes = conv.Attributes.SetItem("strides", Graph.Attribute.Of("strides", new long[] { 1, 1 }));
            }
        return graph;
    }

    /// <summary>Least multiply-adds the conv does per input element the copy reads (<c>co / (sh · sw)</c>): the copy
    /// is a kernel launch and a pass over the whole input (every row a stride apart is fetched anyway), which pays only
    /// where the conv has enough work per element read. Thread CPU at 1 thread, resnet50's projection shortcuts fused
    /// with the residual Sum and ReLU (strided conv → stride-1 conv + copy): 1024→2048 from 14×14 (512 per element)
    /// 1.80–1.84 → 1.45–1.52 + 0.08 ms; 512→1024 from 28×28 (256) 1.54–1.61 → 1.10–1.14 + 0.10–0.14 (both at an FMA
    /// peak of 268 GFLOP/s per core, where 256→512 from 56×56 (128) gained nothing: 1.71–1.73 → 1.28–1.48 + 0.34–0.38).
    /// At a peak of 118 GFLOP/s (h/s2) the compute the GEMM form saves outweighs the copy there too: 256→512 from 56×56
    /// 2.84–3.63 → 2.24–2.52 + 0.33–0.42 ms (medians 3.41 → 2.75 over 7 alternations with main; the strided form at 51–61%
    /// of peak, the stride-1 conv at 70–78%).</summary>
    public const long MinMacsPerCopiedElement = 128;

    /// <summary>Least input channels: narrower convs merge their taps into K (<see cref="MergeContractionTaps"/>) and
    /// are small next to the copy.</summary>
    public const long MinChannels = 64;

    /// <summary>The cost rule: wide input channels (<see cref="MinChannels"/>) and enough work per copied input
    /// element (<see cref="MinMacsPerCopiedElement"/>).</summary>
    public static bool Pays(long inChannels, long outChannels, long[] strides) =>
        inChannels >= MinChannels && outChannels >= MinMacsPerCopiedElement * strides[0] * strides[1];

    private static (long InChannels, long OutChannels, long[] Strides, long[] Subsampled)? Candidate(Node conv)
    {
        if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Inputs.Length < 2) return null;
        if (conv.Inputs[0] is not { TensorType: { ElementType: DataType.Float32, Shape: { Rank: 4 } xs } } x || !xs.IsFullyKnown) return null;
        if (x.IsConstant || conv.Inputs[1]?.TensorType?.Shape is not { Rank: 4 } ws || !ws.IsFullyKnown) return null;
        if (conv.Outputs[0]?.TensorType?.Shape is not { Rank: 4 } ys || !ys.IsFullyKnown) return null;
        if (ws[2].Value != 1 || ws[3].Value != 1) return null;
        if (conv.GetString("auto_pad", "NOTSET") is not ("NOTSET" or "VALID")) return null;
        if (conv.GetInts("pads") is { } pads && pads.Any(p => p != 0)) return null;
        if (conv.GetInts("strides") is not { Length: 2 } s || s.Any(v => v < 1) || s.All(v => v == 1)) return null;
        long h = xs[2].Value!.Value, w = xs[3].Value!.Value;
        long oh = (h - 1) / s[0] + 1, ow = (w - 1) / s[1] + 1;
        // The conv's own output plane must be the subsample's (a 1×1 window with no padding: it is).
        if (ys[2].Value != oh || ys[3].Value != ow) return null;
        return (xs[1].Value!.Value, ys[1].Value!.Value, s, [xs[0].Value!.Value, xs[1].Value!.Value, oh, ow]);
    }

    /// <summary>A one-tap MaxPool of <paramref name="conv"/>'s input by its strides, placed before it; returns the copy.</summary>
    private static Value AddSubsample(Graph.Graph graph, Node conv, long[] strides, long[] subsampled)
    {
        var x = conv.Inputs[0]!;
        var xs = new Value(GraphNames.Unique(graph, x.Name + "_subsampled"), new TensorType(DataType.Float32, Shape.Of(subsampled)));
        var pool = new Node("MaxPool", [x], [xs],
            [Graph.Attribute.Of("kernel_shape", new long[] { 1, 1 }), Graph.Attribute.Of("strides", strides.ToArray())],
            name: conv.Name + "_subsample");
        graph.Nodes.Insert(graph.Nodes.IndexOf(conv), pool);
        return xs;
    }
}
