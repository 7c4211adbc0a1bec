using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>DeformConv (opsets 19, 22): an N-d grouped convolution whose kernel taps are moved by learned offsets.
/// Tap k of output position o reads input channel i at <c>o·stride − pad_begin + k·dilation + offset[n, g, k, :, o]</c>
/// (g = the offset group of i; offset is (N, offset_group·|k|·r, O1…Or), its channel axis ordered group, tap,
/// spatial dim) by multilinear interpolation with zeros outside the input, scaled by <c>mask[n, g, k, o]</c> (default 1).
/// Then <c>Y[n, m, o] = B[m] + Σ W[m, i, k] · sample</c> over the input channels i of m's group. Computed in double.</summary>
internal static class DeformConvOp
{
    public static OpSchema Schema => new("", "DeformConv", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x is null) return null;
        if (x.Shape is null) return new TensorType(x.ElementType, null);
        int rank = x.Shape.Rank - 2;
        if (rank < 1) throw c.Error(ErrorCode.ShapeMismatch, $"DeformConv input must have rank >= 3, got {x.Shape}");
        var w = c.InputTensor(1)?.Shape;
        var m = w is { Rank: > 0 } ? w[0] : Dim.Unknown;
        // The offsets are laid out over the output positions, so they carry the output's spatial dims.
        if (c.InputTensor(2)?.Shape is { } offset && offset.Rank == rank + 2)
            return new TensorType(x.ElementType, Shape.Of([x.Shape[0], m, .. offset.Dims.Skip(2)]));
        int[]? kernel = w is not null && w.Rank == rank + 2 && w.Dims.Skip(2).All(d => d.IsKnown)
            ? w.Dims.Skip(2).Select(d => (int)d.Value!.Value).ToArray() : null;
        if (kernel is null && c.Node.GetInts("kernel_shape") is null)
            return new TensorType(x.ElementType, Shape.Of([x.Shape[0], m, .. Enumerable.Repeat(Dim.Unknown, rank)]));
        var a = WindowGeometry.Read(c.Node, rank, kernel, (code, msg) => c.Error(code, msg));
        return new TensorType(x.ElementType, Shape.Of([x.Shape[0], m, .. WindowGeometry.InferOutput(Shape.Of(x.Shape.Dims.Skip(2)), a)]));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var offsetTensor = ctx.Input(2);
        var bias = ctx.OptionalInput(3);
        var maskTensor = ctx.OptionalInput(4);
        if (!FloatBuffers.IsSupported(x.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"DeformConv does not support {x.DataType.ShortName()}");
        int rank = x.Rank - 2;
        if (rank < 1 || w.Rank != x.Rank)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"DeformConv needs X of rank >= 3 and W of the same rank, got {ShapeMath.Format(x.Shape)} and {ShapeMath.Format(w.Shape)}");
        int n = x.Shape[0], channels = x.Shape[1], outChannels = w.Shape[0], groupChannels = w.Shape[1];
        int group = checked((int)ctx.Int("group", 1)), offsetGroup = checked((int)ctx.Int("offset_group", 1));
        if (group <= 0 || groupChannels * group != channels || outChannels % group != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"DeformConv with group={group}: X has {channels} channels, W is {ShapeMath.Format(w.Shape)}; need channels = W.shape[1]·group and W.shape[0] divisible by group");
        if (offsetGroup <= 0 || channels % offsetGroup != 0)
            throw ctx.Error(ErrorCode.InvalidAttribute, $"DeformConv offset_group={offsetGroup} must be positive and divide the {channels} input channels");
        var a = WindowGeometry.Read(ctx.Node, rank, w.Shape[2..], (code, msg) => ctx.Error(code, msg));
        if (!a.Kernel.AsSpan().SequenceEqual(w.Shape.AsSpan(2)))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"kernel_shape {ShapeMath.Format(a.Kernel)} differs from the weights' {ShapeMath.Format(w.Shape[2..])}");
        var g = WindowGeometry.Create(x.Shape[2..], a);
        int taps = ShapeMath.Size(a.Kernel), points = ShapeMath.Size(g.Output), image = ShapeMath.Size(g.Input);
        int[] offsetShape = [n, offsetGroup * taps * rank, .. g.Output];
        if (!offsetTensor.Shape.AsSpan().SequenceEqual(offsetShape))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"DeformConv offset must have shape {ShapeMath.Format(offsetShape)}, got {ShapeMath.Format(offsetTensor.Shape)}");
        int[] maskShape = [n, offsetGroup * taps, .. g.Output];
        if (maskTensor is not null && !maskTensor.Shape.AsSpan().SequenceEqual(maskShape))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"DeformConv mask must have shape {ShapeMath.Format(maskShape)}, got {ShapeMath.Format(maskTensor.Shape)}");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outChannels))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"DeformConv bias must have shape [{outChannels}], got {ShapeMath.Format(bias.Shape)}");

        var xs = TensorConvert.ToDoubles(x);
        var ws = TensorConvert.ToDoubles(w);
        var offsets = TensorConvert.ToDoubles(offsetTensor);
        var mask = maskTensor is null ? null : TensorConvert.ToDoubles(maskTensor);
        var b = bias is null ? null : TensorConvert.ToDoubles(bias);
        var sampler = new GridSampler(g.Input, SampleInterpolation.Linear, SamplePadding.Zeros, alignCorners: true);
        var kernelStrides = ShapeMath.Strides(a.Kernel);
        var outStrides = ShapeMath.Strides(g.Output);
        int perOffsetGroup = channels / offsetGroup, outPerGroup = outChannels / group;

        // columns[i, k, o]: the (masked) sample of input channel i for tap k at output position o.
        var columns = new double[channels * taps * points];
        var y = new double[n * outChannels * points];
        Span<double> point = stackalloc double[rank];
        for (int batch = 0; batch < n; batch++)
        {
            for (int og = 0; og < offsetGroup; og++)
            for (int k = 0; k < taps; k++)
            for (int o = 0; o < points; o++)
            {
                int offsetBase = ((batch * offsetGroup + og) * taps + k) * rank;
                for (int d = 0; d < rank; d++)
                {
                    int kd = k / kernelStrides[d] % a.Kernel[d], od = o / outStrides[d] % g.Output[d];
                    point[d] = od * g.Strides[d] - g.PadBegin[d] + kd * g.Dilations[d] + offsets[(offsetBase + d) * points + o];
                }
                sampler.MoveTo(point);
                double scale = mask is null ? 1 : mask[((batch * offsetGroup + og) * taps + k) * points + o];
                for (int i = og * perOffsetGroup; i < (og + 1) * perOffsetGroup; i++)
                    columns[(i * taps + k) * points + o] = scale * sampler.Sample(xs.AsSpan((batch * channels + i) * image, image));
            }

            for (int m = 0; m < outChannels; m++)
            {
                var output = y.AsSpan((batch * outChannels + m) * points, points);
                if (b is not null) output.Fill(b[m]);
                int firstInput = m / outPerGroup * groupChannels;
                // W[m] is (groupChannels, taps), matching the rows firstInput·taps… of columns.
                for (int j = 0; j < groupChannels * taps; j++)
                {
                    double weight = ws[m * groupChannels * taps + j];
                    var column = columns.AsSpan((firstInput * taps + j) * points, points);
                    for (int o = 0; o < points; o++) output[o] += weight * column[o];
                }
            }
        }
        return TensorConvert.FromDoubles(x.DataType, y, [n, outChannels, .. g.Output]);
    }
}
