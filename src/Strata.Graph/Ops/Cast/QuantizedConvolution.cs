using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Direct N-D integer convolution for ConvInteger and QLinearConv: geometry from the Conv attributes
/// (<c>auto_pad</c>, <c>dilations</c>, <c>group</c>, <c>kernel_shape</c>, <c>pads</c>, <c>strides</c>), int32
/// accumulation (wrapping, as the spec allows only in the accumulator).</summary>
internal sealed class QuantizedConvolution
{
    private QuantizedConvolution(int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int group, int[] outputShape)
    {
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        PadsBegin = padsBegin;
        Group = group;
        OutputShape = outputShape;
    }

    public int[] Kernel { get; }
    public int[] Strides { get; }
    public int[] Dilations { get; }
    public int[] PadsBegin { get; }
    public int Group { get; }

    /// <summary>[N, M, output spatial dims…].</summary>
    public int[] OutputShape { get; }

    /// <summary>Reads the geometry of a convolution of input <paramref name="x"/> ([N, C, D1…]) with weights
    /// <paramref name="w"/> ([M, C/group, k1…]).</summary>
    public static QuantizedConvolution Plan(Node node, int[] x, int[] w, Func<ErrorCode, string, string?, StrataException> error)
    {
        int spatial = x.Length - 2;
        if (spatial < 1 || w.Length != x.Length)
            throw error(ErrorCode.ShapeMismatch, $"convolution needs X of rank >= 3 and W of the same rank, got {ShapeMath.Format(x)} and {ShapeMath.Format(w)}",
                "give X as [N, C, spatial…] and W as [M, C/group, kernel…]");
        int group = (int)node.GetInt("group", 1);
        if (group < 1 || x[1] != w[1] * group || w[0] % group != 0)
            throw error(ErrorCode.ShapeMismatch, $"channels do not match: X has {x[1]}, W expects {w[1]} per group, group {group}, {w[0]} output channels",
                "W's dim 1 times group must equal X's channels, and group must divide W's dim 0");
        var kernel = Ints(node, "kernel_shape", spatial, w[2..]);
        if (!kernel.AsSpan().SequenceEqual(w.AsSpan(2)))
            throw error(ErrorCode.ShapeMismatch, $"kernel_shape {ShapeMath.Format(kernel)} differs from W's spatial dims {ShapeMath.Format(w[2..])}",
                "leave kernel_shape out or make it match W");
        var strides = Ints(node, "strides", spatial, Enumerable.Repeat(1, spatial).ToArray());
        var dilations = Ints(node, "dilations", spatial, Enumerable.Repeat(1, spatial).ToArray());
        var pads = Ints(node, "pads", 2 * spatial, new int[2 * spatial]);
        string autoPad = node.GetString("auto_pad", "NOTSET");
        var padsBegin = new int[spatial];
        var output = new int[x.Length];
        output[0] = x[0];
        output[1] = w[0];
        for (int d = 0; d < spatial; d++)
        {
            int input = x[d + 2], extent = dilations[d] * (kernel[d] - 1) + 1;
            switch (autoPad)
            {
                case "NOTSET" or "":
                    padsBegin[d] = pads[d];
                    output[d + 2] = (input + pads[d] + pads[d + spatial] - extent) / strides[d] + 1;
                    break;
                case "VALID":
                    output[d + 2] = (input - extent) / strides[d] + 1;
                    break;
                case "SAME_UPPER" or "SAME_LOWER":
                    int outSize = (input + strides[d] - 1) / strides[d];
                    int total = Math.Max(0, (outSize - 1) * strides[d] + extent - input);
                    padsBegin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    output[d + 2] = outSize;
                    break;
                default:
                    throw error(ErrorCode.InvalidAttribute, $"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", null);
            }
            if (output[d + 2] < 0) output[d + 2] = 0;
        }
        return new QuantizedConvolution(kernel, strides, dilations, padsBegin, group, output);
    }

    private static int[] Ints(Node node, string name, int count, int[] fallback)
    {
        var v = node.GetInts(name);
        if (v is null) return fallback;
        if (v.Length != count)
            throw new StrataException(ErrorCode.InvalidAttribute, $"attribute '{name}' has {v.Length} values, expected {count}",
                "give one value per spatial dim (pads: begins then ends)", node.Describe());
        return Array.ConvertAll(v, l => checked((int)l));
    }

    /// <summary>Y[n, m, o…] = bias[m] + Σ_{c, k…} X[n, g·C/group + c, o·stride + k·dilation − pad] · W[m, c, k…], with
    /// out-of-range input positions contributing zero.</summary>
    public int[] Run(int[] x, int[] xShape, int[] w, int[] wShape, int[]? bias)
    {
        int spatial = xShape.Length - 2;
        int batch = xShape[0], channelsPerGroup = wShape[1], outChannels = wShape[0], outPerGroup = outChannels / Group;
        var inDims = xShape[2..];
        var outDims = OutputShape[2..];
        int inSize = ShapeMath.Size(inDims), outSize = ShapeMath.Size(outDims), kernelSize = ShapeMath.Size(Kernel);
        var inStrides = ShapeMath.Strides(inDims);

        // Per kernel position: its offset (in input elements) per dim, before bounds checks.
        var kernelOffsets = new int[kernelSize * spatial];
        for (int kf = 0; kf < kernelSize; kf++)
        {
            int rest = kf;
            for (int d = spatial - 1; d >= 0; d--)
            {
                kernelOffsets[kf * spatial + d] = rest % Kernel[d] * Dilations[d];
                rest /= Kernel[d];
            }
        }

        var y = new int[ShapeMath.Size(OutputShape)];
        var origin = new int[spatial];
        for (int n = 0; n < batch; n++)
        for (int m = 0; m < outChannels; m++)
        {
            int g = m / outPerGroup;
            int yBase = (n * outChannels + m) * outSize;
            for (int o = 0; o < outSize; o++)
            {
                int rest = o;
                for (int d = spatial - 1; d >= 0; d--)
                {
                    origin[d] = rest % outDims[d] * Strides[d] - PadsBegin[d];
                    rest /= outDims[d];
                }
                int acc = bias is null ? 0 : bias[m];
                for (int c = 0; c < channelsPerGroup; c++)
                {
                    int xBase = (n * xShape[1] + g * channelsPerGroup + c) * inSize;
                    int wBase = (m * channelsPerGroup + c) * kernelSize;
                    for (int kf = 0; kf < kernelSize; kf++)
                    {
                        int flat = 0;
                        bool inside = true;
                        for (int d = 0; d < spatial; d++)
                        {
                            int pos = origin[d] + kernelOffsets[kf * spatial + d];
                            if ((uint)pos >= (uint)inDims[d]) { inside = false; break; }
                            flat += pos * inStrides[d];
                        }
                        if (inside) acc += x[xBase + flat] * w[wBase + kf];
                    }
                }
                y[yBase + o] = acc;
            }
        }
        return y;
    }

    /// <summary>Static output shape: computed when X's and W's shapes are known, else the rank with N and M.</summary>
    public static Shape? InferShape(InferenceContext c, int xInput, int wInput)
    {
        if (c.InputShape(xInput) is { } x && c.InputShape(wInput) is { } w)
            return Shape.Of(Plan(c.Node, x, w, c.Error).OutputShape);
        if (c.InputTensor(xInput)?.Shape is not { Rank: >= 3 } xs) return null;
        var dims = new Dim[xs.Rank];
        dims[0] = xs[0];
        dims[1] = c.InputTensor(wInput)?.Shape is { Rank: >= 1 } ws ? ws[0] : Dim.Unknown;
        for (int i = 2; i < dims.Length; i++) dims[i] = Dim.Unknown;
        return Shape.Of(dims);
    }
}
