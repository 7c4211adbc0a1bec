using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Spatial.SpatialHarness;

namespace Strata.Graph.Tests.Ops.Spatial;

public class GridSampleTests
{
    private static readonly string[] Modes = ["nearest", "linear", "cubic"];
    private static readonly string[] Paddings = ["zeros", "border", "reflection"];

    [Fact]
    public void Identity_grid_reproduces_the_input_in_every_mode_padding_and_rank()
    {
        // At pixel centres every interpolation kernel is 1 at the pixel and 0 at its neighbours.
        Gen.Int[1, 3].Select(Gen.Int[1, 4].Array[1, 3], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 1 << 20])
            .Sample((channels, dims, mode, padding, align, seed) =>
            {
                var rng = new Random(seed);
                var x = Random(rng, [2, channels, .. dims]);
                var y = Run("GridSample", [x, IdentityGrid(2, dims, align)],
                    Attribute.Of("mode", Modes[mode]), Attribute.Of("padding_mode", Paddings[padding]), Attribute.Of("align_corners", align ? 1L : 0L));
                AssertClose(x, y, 1e-5);
            }, iter: 60);
    }

    [Fact]
    public void Affine_grid_of_the_identity_transform_is_the_identity_grid()
    {
        foreach (bool align in new[] { false, true })
        {
            var theta2 = Floats([2, 2, 3], 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0);
            var grid2 = Run("AffineGrid", [theta2, new Tensor<long>(new long[] { 2, 3, 4, 5 }, [4])], Attribute.Of("align_corners", align ? 1L : 0L));
            AssertClose(IdentityGrid(2, [4, 5], align), grid2, 1e-6);
            var theta3 = Floats([1, 3, 4], 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0);
            var grid3 = Run("AffineGrid", [theta3, new Tensor<long>(new long[] { 1, 1, 2, 3, 4 }, [5])], Attribute.Of("align_corners", align ? 1L : 0L));
            AssertClose(IdentityGrid(1, [2, 3, 4], align), grid3, 1e-6);
        }
    }

    [Fact]
    public void Affine_grid_applies_theta_to_each_base_point()
    {
        Gen.Int[1, 3].Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[1, 3], Gen.Bool, Gen.Int[0, 1 << 20]).Sample((n, h, w, d, align, seed) =>
        {
            var rng = new Random(seed);
            var theta = Random(rng, n, 3, 4);
            var grid = Run("AffineGrid", [theta, new Tensor<long>(new long[] { n, 2, d, h, w }, [5])], Attribute.Of("align_corners", align ? 1L : 0L));
            Assert.Equal(new[] { n, d, h, w, 3 }, grid.Shape);
            var identity = IdentityGrid(n, [d, h, w], align);
            var expected = new double[identity.Length];
            for (int p = 0; p < identity.Length / 3; p++)
            {
                int b = p / (d * h * w);
                for (int row = 0; row < 3; row++)
                {
                    double sum = theta[(b * 3 + row) * 4 + 3];
                    for (int col = 0; col < 3; col++) sum += theta[(b * 3 + row) * 4 + col] * identity[p * 3 + col];
                    expected[p * 3 + row] = sum;
                }
            }
            AssertClose(expected, grid, 1e-5);
        }, iter: 40);
    }

    [Fact]
    public void Affine_grid_feeds_grid_sample_a_horizontal_flip()
    {
        // theta = diag(-1, 1): x' = -x mirrors the image left-right.
        var x = Floats([1, 1, 2, 3], 1, 2, 3, 4, 5, 6);
        var grid = Run("AffineGrid", [Floats([1, 2, 3], -1, 0, 0, 0, 1, 0), new Tensor<long>(new long[] { 1, 1, 2, 3 }, [4])]);
        var y = Run("GridSample", [x, grid], Attribute.Of("align_corners", 0L));
        AssertClose([3, 2, 1, 6, 5, 4], y);
    }

    [Fact]
    public void Linear_mode_interpolates_between_pixel_centres()
    {
        // Row [0, 10, 20, 30] with align_corners=1: x = -1 + 2i/3 is pixel i.
        var x = Floats([1, 1, 1, 4], 0, 10, 20, 30);
        var grid = Floats([1, 1, 3, 2], -2f / 3 + 1f / 6 * 2, 0, 0.25f, 0, 1, 0);
        var y = Run("GridSample", [x, grid], Attribute.Of("mode", "linear"), Attribute.Of("align_corners", 1L));
        // -2/3 + 1/3 = -1/3 → pixel 1; 0.25 → pixel 1.875; 1 → pixel 3.
        AssertClose([10, 18.75, 30], y, 1e-5);
        // The opset 16 name of the mode.
        var y16 = Run("GridSample", 16, [x, grid], Attribute.Of("mode", "bilinear"), Attribute.Of("align_corners", 1L));
        AssertClose(y, y16);
    }

    [Fact]
    public void Padding_modes_outside_the_image()
    {
        // Row [1, 2, 3, 4], align_corners=1, sampled at pixel positions -1 and 4.5 (x = -1 - 2/3 and 2).
        var x = Floats([1, 1, 1, 4], 1, 2, 3, 4);
        var grid = Floats([1, 1, 2, 2], -1 - 2f / 3, 0, 2, 0);
        double[] Sample(string mode, string padding) => TensorConvert.ToDoubles(Run("GridSample", [x, grid],
            Attribute.Of("mode", mode), Attribute.Of("padding_mode", padding), Attribute.Of("align_corners", 1L)));
        AssertClose([0, 0], Run("GridSample", [x, grid], Attribute.Of("mode", "linear"), Attribute.Of("align_corners", 1L)));
        Assert.Equal([1, 4], Sample("linear", "border"));
        // Reflection at the pixel centres 0 and 3: -1 → 1, 4.5 → 1.5.
        AssertClose([2, 2.5], new Tensor<double>(Sample("linear", "reflection"), [2]));
        Assert.Equal([2, 3], Sample("nearest", "reflection")); // 4.5 rounds to even 4, reflected to 2
        Assert.Equal([1, 4], Sample("nearest", "border"));
        Assert.Equal([0, 0], Sample("nearest", "zeros"));
    }

    [Fact]
    public void Reflection_far_outside_unfolds_the_image_periodically()
    {
        // Mirroring at the edges repeats the image with period 2(s−1) about pixel centres (align_corners) or 2s about
        // pixel edges; integer pixel positions land on pixels, so every mode reads exactly one pixel.
        const int size = 4;
        var x = Floats([1, 1, 1, size], 10, 20, 30, 40);
        int[] pixels = Enumerable.Range(-13, 27).ToArray();
        foreach (bool align in new[] { true, false })
        {
            var grid = new Tensor<double>([1, 1, pixels.Length, 2]);
            for (int p = 0; p < pixels.Length; p++)
                grid[p * 2] = align ? 2.0 * pixels[p] / (size - 1) - 1 : (2.0 * pixels[p] + 1) / size - 1;
            int period = align ? 2 * (size - 1) : 2 * size;
            var expected = pixels.Select(p =>
            {
                int m = ((p % period) + period) % period;
                return (double)x[m < size ? m : period - m - (align ? 0 : 1)];
            }).ToArray();
            foreach (var mode in Modes)
            {
                var y = Run("GridSample", [x, grid], Attribute.Of("mode", mode), Attribute.Of("padding_mode", "reflection"),
                    Attribute.Of("align_corners", align ? 1L : 0L));
                AssertClose(expected, y, 1e-6);
            }
        }
    }

    [Fact]
    public void Zero_padding_shifts_in_zeros_and_nearest_rounds_half_to_even()
    {
        // align_corners=0, 4 pixels: pixel coordinate p ↔ x = (2p + 1)/4 - 1. Shift right by one pixel.
        var x = Floats([1, 1, 1, 4], 1, 2, 3, 4);
        var grid = new Tensor<float>([1, 1, 4, 2]);
        for (int p = 0; p < 4; p++) grid[p * 2] = (2f * (p - 1) + 1) / 4 - 1;
        AssertClose([0, 1, 2, 3], Run("GridSample", [x, grid], Attribute.Of("mode", "linear")));
        // Pixel positions 0.5, 1.5, 2.5: nearest picks 0, 2, 2.
        var half = new Tensor<float>([1, 1, 3, 2]);
        for (int p = 0; p < 3; p++) half[p * 2] = (2f * (p + 0.5f) + 1) / 4 - 1;
        AssertClose([1, 3, 3], Run("GridSample", [x, half], Attribute.Of("mode", "nearest")));
    }

    /// <summary>Keys' cubic convolution kernel with a = −0.75.</summary>
    private static double Keys(double s)
    {
        const double a = -0.75;
        s = Math.Abs(s);
        if (s <= 1) return (a + 2) * s * s * s - (a + 3) * s * s + 1;
        if (s < 2) return a * s * s * s - 5 * a * s * s + 8 * a * s - 4 * a;
        return 0;
    }

    [Fact]
    public void Cubic_mode_convolves_the_four_nearest_pixels_with_the_keys_kernel()
    {
        var x = new Tensor<double>([1, 1, 1, 8]);
        for (int i = 0; i < 8; i++) x[i] = Math.Sin(i) * 5;
        double[] pixels = [1.25, 3.5, 5.9, 0.3, 6.7];
        var grid = new Tensor<double>([1, 1, pixels.Length, 2]);
        for (int p = 0; p < pixels.Length; p++) grid[p * 2] = pixels[p] * 2 / 7 - 1;
        var y = Run("GridSample", [x, grid], Attribute.Of("mode", "cubic"), Attribute.Of("padding_mode", "border"), Attribute.Of("align_corners", 1L));
        Assert.Equal(DataType.Float64, y.DataType);
        var expected = pixels.Select(p => Enumerable.Range((int)Math.Floor(p) - 1, 4).Sum(i => x[Math.Clamp(i, 0, 7)] * Keys(p - i))).ToArray();
        AssertClose(expected, y, 1e-12);
        // The weights sum to one: a constant image stays constant.
        x.Span.Fill(2.5);
        AssertClose(Enumerable.Repeat(2.5, pixels.Length).ToArray(),
            Run("GridSample", [x, grid], Attribute.Of("mode", "cubic"), Attribute.Of("padding_mode", "border"), Attribute.Of("align_corners", 1L)), 1e-12);
    }

    [Fact]
    public void Volumetric_linear_is_trilinear()
    {
        // A 2x2x2 cube with value 4z + 2y + x at its corners; trilinear interpolation of a linear function is exact.
        var x = new Tensor<float>([1, 1, 2, 2, 2]);
        for (int i = 0; i < 8; i++) x[i] = 4 * (i >> 2) + 2 * ((i >> 1) & 1) + (i & 1);
        var grid = Floats([1, 1, 1, 2, 3], -0.5f, 0.2f, 0.6f, 1, -1, 0); // (x, y, z)
        var y = Run("GridSample", [x, grid], Attribute.Of("align_corners", 1L));
        // Pixel coordinates (c + 1)/2: (0.25, 0.6, 0.8) and (1, 0, 0.5).
        AssertClose([4 * 0.8 + 2 * 0.6 + 0.25, 4 * 0.5 + 2 * 0 + 1], y, 1e-6);
    }

    [Fact]
    public void Half_precision_input_keeps_its_type()
    {
        var x = new Tensor<Half>([1, 1, 1, 2]);
        x[0] = (Half)2; x[1] = (Half)4;
        var grid = new Tensor<Half>([1, 1, 1, 2]);
        var y = Run("GridSample", [x, grid], Attribute.Of("align_corners", 1L));
        Assert.Equal(DataType.Float16, y.DataType);
        Assert.Equal((Half)3, ((Tensor<Half>)y)[0]);
    }

    [Fact]
    public void Infers_output_shapes()
    {
        var t = SpatialHarness.Infer("GridSample", 22, [Infer.Tensor(DataType.Float32, 2, 3, 5, 6), Infer.Tensor(DataType.Float32, 2, 7, 8, 2)]);
        Assert.Equal(Infer.Tensor(DataType.Float32, 2, 3, 7, 8), t);
        var size = new Tensor<long>(new long[] { 2, 3, 4, 5, 6 }, [5]);
        var g = SpatialHarness.Infer("AffineGrid", 20, [Infer.Tensor(DataType.Float64, 2, 3, 4), size.Type], [null, size]);
        Assert.Equal(Infer.Tensor(DataType.Float64, 2, 4, 5, 6, 3), g);
        var unknown = (TensorType)SpatialHarness.Infer("AffineGrid", 20, [Infer.Tensor(DataType.Float32, 2, 2, 3), Infer.Tensor(DataType.Int64, 4)])!;
        Assert.Equal("[2,?,?,2]", unknown.Shape!.ToString());
    }

    [Fact]
    public void Rejects_bad_modes_and_shapes()
    {
        var x = Floats([1, 1, 1, 2], 1, 2);
        var grid = Floats([1, 1, 1, 2], 0, 0);
        var e = Assert.Throws<StrataException>(() => Run("GridSample", [x, grid], Attribute.Of("mode", "area")));
        Assert.Equal(ErrorCode.InvalidAttribute, e.Code);
        e = Assert.Throws<StrataException>(() => Run("GridSample", [x, Floats([1, 1, 1, 3], 0, 0, 0)]));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }
}
