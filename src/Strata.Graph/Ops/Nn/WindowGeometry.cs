using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>How a sliding-window op (Conv, the pools) lays its window over each spatial dim: kernel, strides,
/// dilations, the begin/end padding actually used, and the output size. Built from the node's attributes
/// (<c>kernel_shape</c>, <c>strides</c>, <c>dilations</c>, <c>pads</c>, <c>auto_pad</c>, <c>ceil_mode</c>), for concrete
/// input dims at run time or per known dim during type inference.</summary>
public sealed class WindowGeometry
{
    public required int[] Input { get; init; }
    public required int[] Kernel { get; init; }
    public required int[] Strides { get; init; }
    public required int[] Dilations { get; init; }
    public required int[] PadBegin { get; init; }
    public required int[] PadEnd { get; init; }
    public required int[] Output { get; init; }

    public int Rank => Input.Length;

    /// <summary>Extent of the dilated kernel in dim <paramref name="d"/>.</summary>
    public int Span(int d) => (Kernel[d] - 1) * Dilations[d] + 1;

    /// <summary>The window attributes of a node, checked against the spatial rank.</summary>
    public sealed record Attributes(int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] PadEnd, string AutoPad, bool CeilMode);

    /// <summary>Reads the window attributes; <paramref name="kernel"/> comes from the weights (Conv) when the node
    /// has no <c>kernel_shape</c>.</summary>
    public static Attributes Read(Node node, int rank, int[]? kernel, Func<ErrorCode, string, StrataException> error)
    {
        var ks = node.GetInts("kernel_shape");
        int[] k = ks is not null ? ToInts(ks) : kernel ?? throw error(ErrorCode.InvalidAttribute, "kernel_shape is required");
        if (k.Length != rank)
            throw error(ErrorCode.InvalidAttribute, $"kernel_shape has {k.Length} dims but the input has {rank} spatial dims");
        var strides = node.GetInts("strides") is { } s ? ToInts(s) : Fill(rank, 1);
        var dilations = node.GetInts("dilations") is { } d ? ToInts(d) : Fill(rank, 1);
        var pads = node.GetInts("pads") is { } p ? ToInts(p) : Fill(2 * rank, 0);
        if (strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
            throw error(ErrorCode.InvalidAttribute,
                $"strides/dilations need {rank} values and pads {2 * rank} for {rank} spatial dims");
        if (strides.Any(x => x <= 0) || dilations.Any(x => x <= 0) || k.Any(x => x <= 0) || pads.Any(x => x < 0))
            throw error(ErrorCode.InvalidAttribute, "kernel_shape, strides and dilations must be positive and pads non-negative");
        var autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw error(ErrorCode.InvalidAttribute, $"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        bool ceil = node.GetInt("ceil_mode", 0) != 0;
        return new Attributes(k, strides, dilations, pads[..rank], pads[rank..], autoPad, ceil);
    }

    /// <summary>Padding and output size of one dim. Output is at least 0.</summary>
    public static (int PadBegin, int PadEnd, int Output) Resolve(int input, int d, Attributes a)
    {
        int k = a.Kernel[d], s = a.Strides[d], dil = a.Dilations[d];
        int span = (k - 1) * dil + 1;
        switch (a.AutoPad)
        {
            case "SAME_UPPER":
            case "SAME_LOWER":
            {
                int output = (input + s - 1) / s;
                int total = Math.Max(0, (output - 1) * s + span - input);
                int small = total / 2, large = total - small;
                return a.AutoPad == "SAME_UPPER" ? (small, large, output) : (large, small, output);
            }
            case "VALID":
                return (0, 0, Math.Max(0, (input - span) / s + 1));
            default:
            {
                int pb = a.PadBegin[d], pe = a.PadEnd[d];
                int room = input + pb + pe - span;
                if (room < 0) return (pb, pe, 0);
                int output;
                if (a.CeilMode)
                {
                    output = (room + s - 1) / s + 1;
                    // The last window must start inside the input or its begin padding.
                    if ((output - 1) * s >= input + pb) output--;
                }
                else output = room / s + 1;
                return (pb, pe, output);
            }
        }
    }

    public static WindowGeometry Create(int[] input, Attributes a)
    {
        int rank = input.Length;
        var pb = new int[rank];
        var pe = new int[rank];
        var output = new int[rank];
        for (int d = 0; d < rank; d++) (pb[d], pe[d], output[d]) = Resolve(input[d], d, a);
        return new WindowGeometry
        {
            Input = input, Kernel = a.Kernel, Strides = a.Strides, Dilations = a.Dilations,
            PadBegin = pb, PadEnd = pe, Output = output,
        };
    }

    /// <summary>Static output dims for inference: known where the input dim is known.</summary>
    public static Dim[] InferOutput(Shape inputSpatial, Attributes a)
    {
        var dims = new Dim[inputSpatial.Rank];
        for (int d = 0; d < dims.Length; d++)
            dims[d] = inputSpatial[d].Value is long v ? Dim.Of(Resolve(checked((int)v), d, a).Output) : Dim.Unknown;
        return dims;
    }

    public static int[] ToInts(long[] v) => Array.ConvertAll(v, x => checked((int)x));

    private static int[] Fill(int n, int v)
    {
        var r = new int[n];
        Array.Fill(r, v);
        return r;
    }
}
