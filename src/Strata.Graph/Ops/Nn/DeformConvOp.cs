using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>DeformConv (opsets 19, 22): convolution whose kernel taps are moved by learned offsets. Tap k of output
/// position o reads X at <c>o·stride − pad_begin + k·dilation + offset[n, g, k, :, o]</c> by multilinear
/// interpolation (zero outside the input), scaled by mask[n, g, k, o] when given; offset group g covers
/// channels/offset_group input channels. Group convolution and bias as in Conv.</summary>
internal static class DeformConvOp
{
    public static OpSchema Schema => new("", "DeformConv", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        var w = c.InputTensor(1)?.Shape;
        var off = c.InputTensor(2)?.Shape;
        if (x.Shape is null || off is null) return new TensorType(x.ElementType, null);
        var m = w is { Rank: > 0 } ? w[0] : Dim.Unknown;
        return new TensorType(x.ElementType, Shape.Of([x.Shape[0], m, .. off.Dims.Skip(2)]));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var xt = ctx.Input(0);
        var wt = ctx.Input(1);
        var offT = ctx.Input(2);
        var bT = ctx.OptionalInput(3);
        var maskT = ctx.OptionalInput(4);
        int r = xt.Rank - 2;
        if (r < 1 || wt.Rank != xt.Rank || offT.Rank != xt.Rank)
            throw ctx.Error(ErrorCode.ShapeMismatch, "DeformConv needs X, W and offset of the same rank >= 3");
        int group = (int)ctx.Int("group", 1), offsetGroup = (int)ctx.Int("offset_group", 1);
        int n = xt.Shape[0], c = xt.Shape[1], m = wt.Shape[0], cg = wt.Shape[1];
        if (group <= 0 || cg * group != c || m % group != 0 || offsetGroup <= 0 || c % offsetGroup != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"DeformConv channels {c}, weights {ShapeMath.Format(wt.Shape)}, group {group}, offset_group {offsetGroup} are inconsistent");
        var a = WindowGeometry.Read(ctx.Node, r, wt.Shape[2..], (code, msg) => ctx.Error(code, msg));
        var kernel = a.Kernel;
        var input = xt.Shape[2..];
        var output = offT.Shape[2..];
        int kvol = ShapeMath.Size(kernel), inSize = ShapeMath.Size(input), outSize = ShapeMath.Size(output);
        if (offT.Shape[0] != n || offT.Shape[1] != offsetGroup * kvol * r)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"offset must be [{n},{offsetGroup * kvol * r},...], got {ShapeMath.Format(offT.Shape)}");
        if (maskT is not null && (maskT.Shape[0] != n || maskT.Shape[1] != offsetGroup * kvol || ShapeMath.Size(maskT.Shape.AsSpan(2)) != outSize))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"mask must be [{n},{offsetGroup * kvol},...output]");
        var x = TensorConvert.ToDoubles(xt);
        var w = TensorConvert.ToDoubles(wt);
        var off = TensorConvert.ToDoubles(offT);
        var mask = maskT is null ? null : TensorConvert.ToDoubles(maskT);
        var bias = bT is null ? null : TensorConvert.ToDoubles(bT);
        int mg = m / group, cPerOffsetGroup = c / offsetGroup;
        var y = new double[n * m * outSize];
        var inStrides = ShapeMath.Strides(input);
        var kk = new int[r];
        var oc = new int[r];
        var pos = new double[r];
        // Sampled input values per (input channel, tap) for one output position.
        var samples = new double[c * kvol];
        for (int ni = 0; ni < n; ni++)
            for (int o = 0; o < outSize; o++)
            {
                int rem = o;
                for (int d = r - 1; d >= 0; d--) { oc[d] = rem % output[d]; rem /= output[d]; }
                for (int g = 0; g < offsetGroup; g++)
                    for (int k = 0; k < kvol; k++)
                    {
                        int kr = k;
                        for (int d = r - 1; d >= 0; d--) { kk[d] = kr % kernel[d]; kr /= kernel[d]; }
                        for (int d = 0; d < r; d++)
                            pos[d] = oc[d] * a.Strides[d] - a.PadBegin[d] + kk[d] * a.Dilations[d]
                                + off[((ni * offsetGroup + g) * kvol * r + k * r + d) * outSize + o];
                        double scale = mask?[((ni * offsetGroup + g) * kvol + k) * outSize + o] ?? 1;
                        for (int ci = g * cPerOffsetGroup; ci < (g + 1) * cPerOffsetGroup; ci++)
                            samples[ci * kvol + k] = scale * Sample(x.AsSpan((ni * c + ci) * inSize, inSize), input, inStrides, pos);
                    }
                for (int mi = 0; mi < m; mi++)
                {
                    int gi = mi / mg;
                    double s = bias?[mi] ?? 0;
                    for (int ci = 0; ci < cg; ci++)
                        for (int k = 0; k < kvol; k++)
                            s += w[(mi * cg + ci) * kvol + k] * samples[(gi * cg + ci) * kvol + k];
                    y[(ni * m + mi) * outSize + o] = s;
                }
            }
        return TensorConvert.FromDoubles(xt.DataType, y, [n, m, .. output]);
    }

    /// <summary>Multilinear interpolation at a fractional position; corners outside the input read zero.</summary>
    private static double Sample(ReadOnlySpan<double> img, int[] dims, int[] strides, double[] pos)
    {
        int r = dims.Length;
        double sum = 0;
        for (int corner = 0; corner < 1 << r; corner++)
        {
            double wgt = 1;
            int flat = 0;
            bool inside = true;
            for (int d = 0; d < r; d++)
            {
                double f = Math.Floor(pos[d]);
                int i = (int)f + ((corner >> d) & 1);
                double t = pos[d] - f;
                wgt *= ((corner >> d) & 1) == 1 ? t : 1 - t;
                if (i < 0 || i >= dims[d]) { inside = false; break; }
                flat += i * strides[d];
            }
            if (inside && wgt != 0) sum += wgt * img[flat];
        }
        return sum;
    }
}
