using Strata.Core;
using Strata.Graph;
using Strata.Tile.Fusion;

namespace Strata.Tile.Passes;

/// <summary>Folds a per-output-channel affine map that follows a Conv with constant f32 weights into those weights and
/// the bias: <c>BatchNormalization</c> in inference form (y·s + (bias − mean·s), s = scale/√(var+ε)), and <c>Mul</c>
/// / <c>Add</c> by a constant that varies along the channel axis only. The conv's result must have no other reader.
/// Without it every output element of a Conv+BN kernel computes a divide and a square root (or a multiply-add per
/// fused Mul/Add) in its epilogue, and a masked epilogue goes through scratch; with it the epilogue is the bias add.
/// The weights are scaled in f64 and rounded once, so results differ from the unfolded graph by rounding only. Repeats until no pattern is left (Conv → BN → Mul → Add folds in three steps).
/// <paramref name="specializedInputs"/>: constants that stand for run-time inputs (never folded into).</summary>
public sealed class FoldAffineIntoConv(IReadOnlySet<Value>? specializedInputs = null) : IGraphPass
{
    public string Name => "FoldAffineIntoConv";

    public Graph.Graph Run(Graph.Graph graph)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            var uses = new GraphUses(graph);
            foreach (var conv in graph.Nodes)
            {
                if (conv.OpType != "Conv" || conv.Domain.Length != 0 || Weights(conv) is not { } w) continue;
                if (conv.Outputs[0] is not { } y || uses.IsGraphOutput(y) || uses.SlotUses(y) != 1) continue;
                var reader = uses.Readers(y)[0];
                if (Affine(reader, y, w.Shape[0], uses) is not { } affine || Reads(conv, reader).Any(v => specializedInputs?.Contains(v) == true)) continue;
                Fold(graph, conv, reader, w, affine);
                changed = true;
                break;
            }
        }
        return graph;
    }

    private static IEnumerable<Value> Reads(Node conv, Node reader) => conv.Inputs.Concat(reader.Inputs).OfType<Value>();

    /// <summary>The conv's constant f32 weights [co, ci/g, k...] and its bias input (if any) is constant f32 too.</summary>
    private static Tensor<float>? Weights(Node conv) =>
        conv.Inputs.Length >= 2 && conv.Inputs[1]?.Constant is Tensor<float> { Shape.Length: >= 3 } w
        && (conv.Inputs.Length < 3 || conv.Inputs[2] is null || conv.Inputs[2]!.Constant is Tensor<float> { Shape.Length: 1 } b && b.Length == w.Shape[0])
            ? w : null;

    /// <summary>A channel map y ↦ y·scale[c] + shift[c] computed by <paramref name="node"/> from its input
    /// <paramref name="y"/> (a conv result with <paramref name="channels"/> channels on axis 1), or null.</summary>
    internal static (double[] Scale, double[] Shift)? Affine(Node node, Value y, int channels, GraphUses uses)
    {
        if (node.Domain.Length != 0 || y.TensorType?.Shape is not { } yShape) return null;
        int rank = yShape.Rank;
        switch (node.OpType)
        {
            case "BatchNormalization":
                if (!ReferenceEquals(node.Inputs[0], y) || node.Inputs.Length != 5 || node.GetInt("training_mode", 0) != 0
                    || node.GetInt("spatial", 1) != 1 || node.Outputs.Skip(1).Any(o => o is not null && (uses.Readers(o).Count > 0 || uses.IsGraphOutput(o))))
                    return null;
                var p = node.Inputs.Skip(1).Select(v => v?.Constant as Tensor<float>).ToArray();
                if (p.Any(t => t is null || t.Shape.Length != 1 || t.Length != channels)) return null;
                double eps = node.GetFloat("epsilon", 1e-5f);
                var scale = new double[channels];
                var shift = new double[channels];
                for (int c = 0; c < channels; c++)
                {
                    scale[c] = p[0]!.Span[c] / Math.Sqrt(p[3]!.Span[c] + eps);
                    shift[c] = p[1]!.Span[c] - p[2]!.Span[c] * scale[c];
                }
                return (scale, shift);
            case "Mul" or "Add" when node.Inputs.Length == 2:
                var other = ReferenceEquals(node.Inputs[0], y) ? node.Inputs[1] : ReferenceEquals(node.Inputs[1], y) ? node.Inputs[0] : null;
                if (other?.Constant is not Tensor<float> k || PerChannel(k, rank, channels) is not { } values) return null;
                return node.OpType == "Mul"
                    ? (values, new double[channels])
                    : (Enumerable.Repeat(1.0, channels).ToArray(), values);
            default:
                return null;
        }
    }

    /// <summary>The constant's value per channel when it broadcasts against a rank-<paramref name="rank"/> NCHW result
    /// along the channel axis only (every other dim 1), or null.</summary>
    private static double[]? PerChannel(Tensor<float> k, int rank, int channels)
    {
        var shape = k.Shape;
        if (shape.Length > rank) return null;
        int channelDim = shape.Length - (rank - 1);
        for (int d = 0; d < shape.Length; d++)
            if (shape[d] != 1 && !(d == channelDim && shape[d] == channels)) return null;
        var span = k.Span;
        var values = new double[channels];
        for (int c = 0; c < channels; c++) values[c] = span[k.Length == 1 ? 0 : c];
        return values;
    }

    private static void Fold(Graph.Graph graph, Node conv, Node reader, Tensor<float> w, (double[] Scale, double[] Shift) affine)
    {
        int co = w.Shape[0], per = w.Length / co;
        var weights = new float[w.Length];
        var ws = w.Span;
        for (int c = 0; c < co; c++)
            for (int i = c * per; i < (c + 1) * per; i++) weights[i] = (float)(ws[i] * affine.Scale[c]);
        var bias = new float[co];
        var oldBias = conv.Inputs.Length > 2 ? conv.Inputs[2]?.Constant as Tensor<float> : null;
        for (int c = 0; c < co; c++) bias[c] = (float)((oldBias is null ? 0.0 : oldBias.Span[c]) * affine.Scale[c] + affine.Shift[c]);
        string wFrom = conv.Inputs[1]!.Name, bFrom = conv.Inputs.Length > 2 && conv.Inputs[2] is { } b ? b.Name : GraphNames.Stem(wFrom, "_folded") + "_bias";
        // Placeholder names; the final ones are chosen once the replaced constants have left the graph.
        var newW = graph.AddConstant(GraphNames.Unique(graph, wFrom + "_folding"), new Tensor<float>(weights, w.Shape));
        var newB = graph.AddConstant(GraphNames.Unique(graph, bFrom + "_folding"), new Tensor<float>(bias, [co]));
        var folded = new Node("Conv", [conv.Inputs[0], newW, newB], [reader.Outputs[0]], conv.Attributes.Values, name: conv.Name);
        int at = graph.Nodes.IndexOf(conv);
        graph.Nodes[at] = folded;
        graph.Nodes.Remove(reader);
        DropUnread(graph, [conv.Inputs[1]!, .. conv.Inputs.Skip(2).OfType<Value>(), .. reader.Inputs.OfType<Value>()]);
        GraphNames.Derive(graph, newW, wFrom, "_folded");
        GraphNames.Derive(graph, newB, bFrom, "_folded");
    }

    /// <summary>Constants no node or subgraph reads any more (the unfolded weights) leave the graph.</summary>
    internal static void DropUnread(Graph.Graph graph, IEnumerable<Value> candidates)
    {
        var uses = new GraphUses(graph);
        foreach (var v in candidates)
            if (v.IsConstant && uses.Readers(v).Count == 0 && !uses.IsGraphOutput(v)) graph.Constants.Remove(v);
    }
}
