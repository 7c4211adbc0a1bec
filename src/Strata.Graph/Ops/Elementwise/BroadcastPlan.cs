using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>How to walk one to three operands broadcast (numpy rules) to an output shape, with the dims
/// coalesced: size-1 output dims are dropped and adjacent dims that are contiguous in every operand are
/// merged. Equal shapes become one dim; a scalar operand has stride 0. The last dim is the inner loop; there
/// every operand's stride is 0 (broadcast) or 1 (contiguous).</summary>
internal sealed class BroadcastPlan
{
    private BroadcastPlan(int[] outputShape, int[] dims, int[][] strides)
    {
        OutputShape = outputShape;
        Dims = dims;
        Strides = strides;
    }

    /// <summary>The broadcast output shape (not coalesced).</summary>
    public int[] OutputShape { get; }

    /// <summary>Coalesced dims; at least one.</summary>
    public int[] Dims { get; }

    /// <summary>Per operand, its element stride on each coalesced dim (0 where it is broadcast).</summary>
    public int[][] Strides { get; }

    public int Rank => Dims.Length;
    public int Inner => Dims[^1];

    public static BroadcastPlan Create(params int[][] shapes)
    {
        var output = ShapeMath.Broadcast(shapes);
        var full = new int[shapes.Length][];
        for (int k = 0; k < shapes.Length; k++) full[k] = ShapeMath.BroadcastStrides(shapes[k], output);

        var dims = new List<int>(output.Length);
        var strides = new List<int>[shapes.Length];
        for (int k = 0; k < shapes.Length; k++) strides[k] = new List<int>(output.Length);
        for (int d = 0; d < output.Length; d++)
        {
            if (output[d] == 1) continue;
            int last = dims.Count - 1;
            bool merge = last >= 0;
            for (int k = 0; k < shapes.Length && merge; k++)
                merge = strides[k][last] == full[k][d] * output[d];
            if (merge)
            {
                dims[last] *= output[d];
                for (int k = 0; k < shapes.Length; k++) strides[k][last] = full[k][d];
            }
            else
            {
                dims.Add(output[d]);
                for (int k = 0; k < shapes.Length; k++) strides[k].Add(full[k][d]);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            for (int k = 0; k < shapes.Length; k++) strides[k].Add(0);
        }
        return new BroadcastPlan(output, dims.ToArray(), Array.ConvertAll(strides, s => s.ToArray()));
    }
}
