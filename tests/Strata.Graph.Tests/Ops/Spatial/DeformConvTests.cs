using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Spatial.SpatialHarness;

namespace Strata.Graph.Tests.Ops.Spatial;

public class DeformConvTests
{
    private static Attribute[] Window(long[] strides, long[] dilations, long[] pads, long group) =>
    [
        Attribute.Of("strides", strides), Attribute.Of("dilations", dilations), Attribute.Of("pads", pads), Attribute.Of("group", group),
    ];

    /// <summary>Output spatial dims of a convolution.</summary>
    private static int[] OutputDims(int[] input, int[] kernel, long[] strides, long[] dilations, long[] pads)
    {
        int r = input.Length;
        var o = new int[r];
        for (int d = 0; d < r; d++)
            o[d] = (int)((input[d] + pads[d] + pads[d + r] - dilations[d] * (kernel[d] - 1) - 1) / strides[d] + 1);
        return o;
    }

    [Fact]
    public void Zero_offsets_make_it_a_plain_convolution()
    {
        Gen.Int[1, 3].Select(Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[0, 1], Gen.Bool, Gen.Int[0, 1 << 20])
            .Sample((rank, group, cg, mg, pad, withBias, seed) =>
            {
                var rng = new Random(seed);
                int[] input = Enumerable.Range(0, rank).Select(_ => rng.Next(3, 6)).ToArray();
                int[] kernel = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 3)).ToArray();
                long[] strides = Enumerable.Range(0, rank).Select(_ => (long)rng.Next(1, 3)).ToArray();
                long[] dilations = Enumerable.Range(0, rank).Select(_ => (long)rng.Next(1, 3)).ToArray();
                long[] pads = Enumerable.Range(0, 2 * rank).Select(_ => (long)(pad * rng.Next(0, 2))).ToArray();
                int channels = group * cg, outChannels = group * mg, offsetGroup = channels % 2 == 0 && rng.Next(2) == 0 ? 2 : 1;
                var x = Random(rng, [2, channels, .. input]);
                var w = Random(rng, [outChannels, cg, .. kernel]);
                var b = withBias ? Random(rng, outChannels) : null;
                int[] output = OutputDims(input, kernel, strides, dilations, pads);
                var offset = new Tensor<float>([2, offsetGroup * kernel.Aggregate(1, (p, k) => p * k) * rank, .. output]);
                var attrs = Window(strides, dilations, pads, group);
                var expected = Run("Conv", [x, w, b], attrs);
                var y = Run("DeformConv", [x, w, offset, b], [.. attrs, Attribute.Of("offset_group", (long)offsetGroup)]);
                AssertClose(expected, y, 1e-5);
            }, iter: 60);
    }

    /// <summary>X with the channels of each offset group moved so that X'[h, w] = X[h + dy, w + dx] (zero outside).</summary>
    private static Tensor<float> Shifted(Tensor<float> x, int offsetGroups, int[] dy, int[] dx)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var r = new Tensor<float>(x.Shape);
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        {
            int g = ch / (c / offsetGroups);
            for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                int si = i + dy[g], sj = j + dx[g];
                if (si >= 0 && si < h && sj >= 0 && sj < w) r[((b * c + ch) * h + i) * w + j] = x[((b * c + ch) * h + si) * w + sj];
            }
        }
        return r;
    }

    [Fact]
    public void Integer_offsets_per_offset_group_shift_the_input()
    {
        Gen.Int[1, 2].Select(Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[0, 1 << 20]).Sample((group, offsetGroup, cg, mg, seed) =>
        {
            var rng = new Random(seed);
            int channels = group * offsetGroup * cg, outChannels = group * mg;
            int[] input = [rng.Next(3, 6), rng.Next(3, 6)];
            int[] kernel = [rng.Next(1, 3), rng.Next(1, 3)];
            long[] strides = [rng.Next(1, 3), rng.Next(1, 3)], dilations = [rng.Next(1, 3), rng.Next(1, 3)], pads = [0, 0, 0, 0];
            var x = Random(rng, [1, channels, .. input]);
            var w = Random(rng, [outChannels, channels / group, .. kernel]);
            int[] dy = Enumerable.Range(0, offsetGroup).Select(_ => rng.Next(-1, 2)).ToArray();
            int[] dx = Enumerable.Range(0, offsetGroup).Select(_ => rng.Next(-1, 2)).ToArray();
            int[] output = OutputDims(input, kernel, strides, dilations, pads);
            int taps = kernel[0] * kernel[1], points = output[0] * output[1];
            // offset[0, g, k, d, o]
            var offset = new Tensor<float>([1, offsetGroup * taps * 2, .. output]);
            for (int g = 0; g < offsetGroup; g++)
            for (int k = 0; k < taps; k++)
            for (int o = 0; o < points; o++)
            {
                offset[((g * taps + k) * 2) * points + o] = dy[g];
                offset[((g * taps + k) * 2 + 1) * points + o] = dx[g];
            }
            var attrs = Window(strides, dilations, pads, group);
            var expected = Run("Conv", [Shifted(x, offsetGroup, dy, dx), w], attrs);
            var y = Run("DeformConv", [x, w, offset], [.. attrs, Attribute.Of("offset_group", (long)offsetGroup)]);
            AssertClose(expected, y, 1e-5);
        }, iter: 60);
    }

    [Fact]
    public void Half_pixel_offsets_average_neighbours_and_the_mask_scales_taps()
    {
        var rng = new Random(7);
        var x = Random(rng, 1, 2, 4, 5);
        var w = Random(rng, 3, 2, 2, 2);
        var bias = Floats([3], 1, 2, 3);
        int[] output = [3, 4];
        var offset = new Tensor<float>([1, 8, .. output]);
        for (int k = 0; k < 4; k++)
        for (int o = 0; o < 12; o++) offset[(k * 2 + 1) * 12 + o] = 0.5f; // dx = 0.5 for every tap
        var mask = new Tensor<float>([1, 4, .. output]);
        mask.Span.Fill(0.25f);
        var plain = TensorConvert.ToDoubles(Run("Conv", [x, w], []));
        var right = TensorConvert.ToDoubles(Run("Conv", [Shifted(x, 1, [0], [1]), w], []));
        var y = Run("DeformConv", [x, w, offset, bias, mask]);
        var expected = new double[plain.Length];
        for (int i = 0; i < expected.Length; i++) expected[i] = 0.25 * (plain[i] + right[i]) / 2 + bias[i / 12];
        AssertClose(expected, y, 1e-5);
        Assert.Equal(new[] { 1, 3, 3, 4 }, y.Shape);
    }

    [Fact]
    public void Infers_output_shape_and_checks_the_offset_shape()
    {
        var t = SpatialHarness.Infer("DeformConv", 19,
            [Infer.Tensor(DataType.Float32, 2, 4, 9, 9), Infer.Tensor(DataType.Float32, 6, 4, 3, 3), new TensorType(DataType.Float32, null)],
            null, Attribute.Of("strides", new long[] { 2, 2 }), Attribute.Of("pads", new long[] { 1, 1, 1, 1 }));
        Assert.Equal(Infer.Tensor(DataType.Float32, 2, 6, 5, 5), t);
        var x = Floats([1, 1, 2, 2], 1, 2, 3, 4);
        var e = Assert.Throws<StrataException>(() => Run("DeformConv", [x, Floats([1, 1, 1, 1], 1), new Tensor<float>([1, 1, 2, 2])]));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }
}
