using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Spatial.SpatialHarness;

namespace Strata.Graph.Tests.Ops.Spatial;

public class RoiAlignTests
{
    /// <summary>Image n, channel c of a (N, C, 10, 10) tensor holding the plane v = a·h + b·w + (10n + c).</summary>
    private static Tensor<double> Planes(int n, int c, double a, double b)
    {
        var x = new Tensor<double>([n, c, 10, 10]);
        for (int i = 0; i < x.Length; i++)
        {
            int w = i % 10, h = i / 10 % 10, ch = i / 100 % c, img = i / (100 * c);
            x[i] = a * h + b * w + 10 * img + ch;
        }
        return x;
    }

    [Fact]
    public void Average_of_a_plane_is_its_value_at_each_bin_centre()
    {
        // Bilinear interpolation of a plane is exact, and a bin's sample grid is symmetric about its centre.
        Gen.Double[1, 4].Select(Gen.Double[1, 4], Gen.Double[5, 9], Gen.Double[5, 9], Gen.Int[0, 3], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Bool)
            .Sample((x1, y1, x2, y2, ratio, ph, pw, opset10) =>
            {
                var x = Planes(2, 2, 0.7, -1.3);
                // ROI given at twice the scale, for spatial_scale 0.5, on image 1.
                var rois = new Tensor<double>(new double[] { 2 * x1, 2 * y1, 2 * x2, 2 * y2 }, [1, 4]);
                var y = Run("RoiAlign", opset10 ? 10 : 16, [x, rois, new Tensor<long>(new long[] { 1 }, [1])],
                    Attribute.Of("output_height", (long)ph), Attribute.Of("output_width", (long)pw),
                    Attribute.Of("sampling_ratio", (long)ratio), Attribute.Of("spatial_scale", 0.5f));
                Assert.Equal(new[] { 1, 2, ph, pw }, y.Shape);
                double shift = opset10 ? 0 : 0.5; // opset 16 defaults to half_pixel
                var expected = new double[2 * ph * pw];
                for (int c = 0; c < 2; c++)
                for (int i = 0; i < ph; i++)
                for (int j = 0; j < pw; j++)
                {
                    double cy = y1 - shift + (i + 0.5) * (y2 - y1) / ph, cx = x1 - shift + (j + 0.5) * (x2 - x1) / pw;
                    expected[(c * ph + i) * pw + j] = 0.7 * cy - 1.3 * cx + 10 + c;
                }
                AssertClose(expected, y, 1e-6);
            }, iter: 60);
    }

    [Fact]
    public void Max_and_average_over_samples_on_pixel_centres()
    {
        // output_half_pixel, one 4x4 bin, 2x2 samples: the samples fall on pixels (1,1), (1,3), (3,1), (3,3).
        var x = new Tensor<float>([1, 1, 5, 5]);
        for (int i = 0; i < 25; i++) x[i] = 1 + (i * 7 % 11);
        var rois = Floats([1, 4], 0, 0, 4, 4);
        var batch = new Tensor<long>(new long[] { 0 }, [1]);
        float[] corners = [x[6], x[8], x[16], x[18]];
        var max = Run("RoiAlign", [x, rois, batch], Attribute.Of("mode", "max"), Attribute.Of("sampling_ratio", 2L),
            Attribute.Of("coordinate_transformation_mode", "output_half_pixel"));
        AssertClose([corners.Max()], max);
        var avg = Run("RoiAlign", [x, rois, batch], Attribute.Of("sampling_ratio", 2L),
            Attribute.Of("coordinate_transformation_mode", "output_half_pixel"));
        AssertClose([corners.Average()], avg);
        Assert.Equal(DataType.Float32, avg.DataType);
    }

    [Fact]
    public void Opset_10_ignores_the_half_pixel_shift_and_widens_small_rois()
    {
        var x = Planes(1, 1, 1, 1);
        var batch = new Tensor<long>(new long[] { 0 }, [1]);
        // A zero-size ROI at (3, 3) becomes a 1x1 ROI starting there; its centre is (3.5, 3.5).
        var y = Run("RoiAlign", 10, [x, new Tensor<double>(new double[] { 3, 3, 3, 3 }, [1, 4]), batch]);
        AssertClose([7], y, 1e-9);
    }

    [Fact]
    public void Rejects_batch_indices_outside_the_input_and_absurd_rois()
    {
        var x = Planes(1, 1, 1, 1);
        var e = Assert.Throws<StrataException>(() => Run("RoiAlign", [x, new Tensor<double>(new double[] { 0, 0, 1, 1 }, [1, 4]), new Tensor<long>(new long[] { 1 }, [1])]));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
        // An absurd ROI would need ~10^40 adaptive samples.
        e = Assert.Throws<StrataException>(() => Run("RoiAlign", [x, new Tensor<double>(new double[] { 0, 0, 1e20, 1e20 }, [1, 4]), new Tensor<long>(new long[] { 0 }, [1])]));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
    }

    [Fact]
    public void Infers_output_shape()
    {
        var t = SpatialHarness.Infer("RoiAlign", 16,
            [Infer.Tensor(DataType.Float16, 2, 3, 8, 8), Infer.Tensor(DataType.Float16, 5, 4), Infer.Tensor(DataType.Int64, 5)],
            null, Attribute.Of("output_height", 2L), Attribute.Of("output_width", 4L));
        Assert.Equal(Infer.Tensor(DataType.Float16, 5, 3, 2, 4), t);
    }
}
