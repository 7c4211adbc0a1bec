using Strata.Core;
using Strata.Graph;
using Strata.Tile.Fusion;

namespace Strata.Tile.Passes;

/// <summary>Replaces a chain of per-channel affine maps of an f32 NCHW value — <c>BatchNormalization</c> in inference
/// form, <c>Mul</c>/<c>Add</c> by constants that vary along the channel axis only — by one <c>Mul</c> and one
/// <c>Add</c> by per-channel constants computed at compile time (y·S + T, shaped [C, 1, …]). Runs after
/// <see cref="FoldAffineIntoConv"/>, for the chains it cannot fold: a BatchNormalization after a pool or a concat
/// (densenet's pre-activation blocks) otherwise computes a divide and a square root per element, and a
/// BN → Mul → Add chain three dependent steps. Applied where the chain holds a BatchNormalization or more than two
/// nodes; every value inside the chain must have no other reader. It computes y·s + t, so results differ
/// from the unfolded graph by rounding only.</summary>
public sealed class CombineChannelAffine(IReadOnlySet<Value>? specializedInputs = null) : IGraphPass
{
    public string Name => "CombineChannelAffine";

    public Graph.Graph Run(Graph.Graph graph)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            var uses = new GraphUses(graph);
            foreach (var start in graph.Nodes)
            {
                if (Chain(start, uses) is not { } chain) continue;
                Replace(graph, chain);
                changed = true;
                break;
            }
        }
        return graph;
    }

    private sealed record AffineChain(Value Input, List<Node> Nodes, double[] Scale, double[] Shift);

    /// <summary>The longest affine chain that starts at <paramref name="first"/>, if it is worth combining.</summary>
    private AffineChain? Chain(Node first, GraphUses uses)
    {
        if (first.OpType is not ("BatchNormalization" or "Mul" or "Add")) return null;
        // The chain's input is the non-constant operand of its first node.
        var input = first.Inputs.OfType<Value>().FirstOrDefault(v => !v.IsConstant);
        if (input?.TensorType is not { ElementType: DataType.Float32, Shape: { Rank: >= 2 } shape } || shape.Dims[1].Value is not { } c
            || specializedInputs?.Contains(input) == true)
            return null;
        int channels = (int)c;
        var nodes = new List<Node>();
        var scale = Enumerable.Repeat(1.0, channels).ToArray();
        var shift = new double[channels];
        var value = input;
        var node = first;
        while (true)
        {
            if (node.Inputs.Any(v => v is not null && specializedInputs?.Contains(v) == true)
                || FoldAffineIntoConv.Affine(node, value, channels, uses) is not { } step
                || node.Outputs[0] is not { } output || output.TensorType?.ElementType != DataType.Float32)
                break;
            for (int i = 0; i < channels; i++)
            {
                scale[i] *= step.Scale[i];
                shift[i] = shift[i] * step.Scale[i] + step.Shift[i];
            }
            nodes.Add(node);
            value = output;
            if (uses.IsGraphOutput(output) || uses.SlotUses(output) != 1) break;
            node = uses.Readers(output)[0];
        }
        bool worth = nodes.Any(n => n.OpType == "BatchNormalization") || nodes.Count > 2;
        return worth ? new AffineChain(input, nodes, scale, shift) : null;
    }

    private static void Replace(Graph.Graph graph, AffineChain chain)
    {
        int channels = chain.Scale.Length;
        int rank = chain.Input.TensorType!.Shape!.Rank;
        int[] shape = [channels, .. Enumerable.Repeat(1, rank - 2)];
        var last = chain.Nodes[^1];
        var result = last.Outputs[0]!;
        string name = chain.Nodes[0].Name;
        var s = graph.AddConstant(GraphNames.Unique(graph, result.Name + "_scale"),
            new Tensor<float>(chain.Scale.Select(v => (float)v).ToArray(), shape));
        var t = graph.AddConstant(GraphNames.Unique(graph, result.Name + "_shift"),
            new Tensor<float>(chain.Shift.Select(v => (float)v).ToArray(), shape));
        var scaled = new Value(GraphNames.Unique(graph, result.Name + "_scaled"), chain.Input.Type);
        var mul = new Node("Mul", [chain.Input, s], [scaled], name: name);
        var add = new Node("Add", [scaled, t], [result], name: name.Length > 0 ? name + "_shift" : "");
        int at = graph.Nodes.IndexOf(chain.Nodes[0]);
        graph.Nodes.RemoveAll(n => chain.Nodes.Contains(n));
        graph.Nodes.InsertRange(at, [mul, add]);
        FoldAffineIntoConv.DropUnread(graph, chain.Nodes.SelectMany(n => n.Inputs).OfType<Value>().Distinct());
    }
}
