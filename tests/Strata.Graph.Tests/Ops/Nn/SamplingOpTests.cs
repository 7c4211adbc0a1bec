using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

/// <summary>GridSample, AffineGrid, RoiAlign, NonMaxSuppression and DeformConv: identities and hand-computed cases.</summary>
public class SamplingOpTests
{
    [Fact]
    public void Identity_affine_grid_samples_the_input_back()
    {
        var x = NnHarness.Random(new Random(1), 2, 3, 4, 5);
        var theta = Tensor<float>.FromArray([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], 2, 2, 3);
        foreach (long align in new long[] { 0, 1 })
        {
            var grid = NnHarness.Run("AffineGrid", [theta, Tensor<long>.FromArray([2, 3, 4, 5], 4)], 1, 20, Attribute.Of("align_corners", align))[0];
            Assert.Equal(new[] { 2, 4, 5, 2 }, grid.Shape);
            foreach (var mode in new[] { "nearest", "linear", "cubic" })
            {
                var y = NnHarness.Run("GridSample", [x, grid], 1, 22, Attribute.Of("mode", mode), Attribute.Of("align_corners", align))[0];
                NnHarness.AssertClose(TensorConvert.ToDoubles(x), y, 1e-5);
            }
        }
    }

    [Fact]
    public void Grid_sample_padding_modes_outside_the_input()
    {
        var x = Tensor<float>.FromArray([1, 2, 3, 4], 1, 1, 1, 4);
        // x = 1.5 (normalized) is beyond the right edge; y = 0 is the only row.
        var grid = Tensor<float>.FromArray([1.5f, 0, -1, 0], 1, 1, 2, 2);
        var zeros = NnHarness.Run("GridSample", [x, grid], Attribute.Of("mode", "nearest"), Attribute.Of("align_corners", 1L))[0];
        NnHarness.AssertClose([0, 1], zeros, 0);
        var border = NnHarness.Run("GridSample", [x, grid], Attribute.Of("mode", "nearest"), Attribute.Of("align_corners", 1L), Attribute.Of("padding_mode", "border"))[0];
        NnHarness.AssertClose([4, 1], border, 0);
        // With align_corners, 1.5 maps to 3.75, which reflects about 3 to 2.25: 0.75·x[2] + 0.25·x[3] = 3.25.
        var refl = NnHarness.Run("GridSample", [x, grid], Attribute.Of("mode", "linear"), Attribute.Of("align_corners", 1L), Attribute.Of("padding_mode", "reflection"))[0];
        NnHarness.AssertClose([3.25, 1], refl, 1e-6);
    }

    [Fact]
    public void Roi_align_of_a_constant_image_is_constant()
    {
        var x = new Tensor<float>([1, 2, 6, 6]);
        for (int i = 0; i < x.Length; i++) x[i] = i < 36 ? 3 : 7;
        var rois = Tensor<float>.FromArray([0, 0, 4, 4, 1, 1, 5, 3], 2, 4);
        var y = NnHarness.Run("RoiAlign", [x, rois, Tensor<long>.FromArray([0, 0], 2)], 1, 22,
            Attribute.Of("output_height", 2L), Attribute.Of("output_width", 3L), Attribute.Of("sampling_ratio", 2L))[0];
        Assert.Equal(new[] { 2, 2, 2, 3 }, y.Shape);
        NnHarness.AssertClose([.. Enumerable.Repeat(3.0, 6), .. Enumerable.Repeat(7.0, 6), .. Enumerable.Repeat(3.0, 6), .. Enumerable.Repeat(7.0, 6)], y, 1e-6);
    }

    [Fact]
    public void Non_max_suppression_keeps_best_non_overlapping_boxes()
    {
        // Boxes as [y1, x1, y2, x2]: 0 and 1 overlap heavily (IoU 0.81), 2 is apart.
        var boxes = Tensor<float>.FromArray([0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30], 1, 3, 4);
        var scores = Tensor<float>.FromArray([0.8f, 0.9f, 0.3f], 1, 1, 3);
        var sel = (Tensor<long>)NnHarness.Run("NonMaxSuppression", [boxes, scores, Tensor<long>.FromArray([3], 1), Tensor<float>.FromArray([0.5f], 1)], 1, 11)[0];
        Assert.Equal(new long[] { 0, 0, 1, 0, 0, 2 }, sel.ToArray());
        var limited = (Tensor<long>)NnHarness.Run("NonMaxSuppression", [boxes, scores, Tensor<long>.FromArray([1], 1), Tensor<float>.FromArray([0.9f], 1)], 1, 11)[0];
        Assert.Equal(new long[] { 0, 0, 1 }, limited.ToArray());
        var thresholded = (Tensor<long>)NnHarness.Run("NonMaxSuppression", [boxes, scores, Tensor<long>.FromArray([3], 1),
            Tensor<float>.FromArray([0.9f], 1), Tensor<float>.FromArray([0.5f], 1)], 1, 11)[0];
        Assert.Equal(new long[] { 0, 0, 1, 0, 0, 0 }, thresholded.ToArray());
    }

    [Fact]
    public void Deform_conv_with_zero_offsets_is_conv()
    {
        var rng = new Random(7);
        var x = NnHarness.Random(rng, 1, 4, 5, 6);
        var w = NnHarness.Random(rng, 6, 2, 2, 3);
        var b = NnHarness.Random(rng, 6);
        Attribute[] attrs = [Attribute.Of("group", 2L), Attribute.Of("pads", new long[] { 1, 0, 1, 1 }), Attribute.Of("strides", new long[] { 2, 1 })];
        var conv = NnHarness.Run("Conv", [x, w, b], attrs)[0];
        int oh = conv.Shape[2], ow = conv.Shape[3];
        var offset = new Tensor<float>([1, 2 * 6 * 2, oh, ow]);
        var y = NnHarness.Run("DeformConv", [x, w, offset, b], 1, 22, [.. attrs, Attribute.Of("offset_group", 2L)])[0];
        NnHarness.AssertClose(TensorConvert.ToDoubles(conv), y, 1e-5);
        // A whole-pixel offset of +1 along w equals shifting the input left by one column (zero fill at the edge).
        var shift = new Tensor<float>([1, 2 * 6 * 2, oh, ow]);
        for (int g = 0; g < 12; g++) for (int i = 0; i < oh * ow; i++) shift[(g * 2 + 1) * oh * ow + i] = 1;
        var shifted = new Tensor<float>(x.Shape);
        for (int c = 0; c < 4; c++) for (int r = 0; r < 5; r++) for (int col = 0; col < 5; col++) shifted[(c * 5 + r) * 6 + col] = x[(c * 5 + r) * 6 + col + 1];
        var expected = NnHarness.Run("Conv", [shifted, w, b], attrs)[0];
        var got = NnHarness.Run("DeformConv", [x, w, shift, b], 1, 22, [.. attrs, Attribute.Of("offset_group", 2L)])[0];
        NnHarness.AssertClose(TensorConvert.ToDoubles(expected), got, 1e-5);
    }
}
