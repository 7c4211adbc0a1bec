using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

/// <summary>Resize against values worked out by hand from the spec's formulas.</summary>
public class ResizeTests
{
    private static Tensor<float> Resize(Core.Tensor x, float[]? scales, long[]? sizes, float[]? roi = null, params Attribute[] attrs)
    {
        var inputs = new Core.Tensor?[]
        {
            x, roi is null ? null : F(roi, roi.Length), scales is null ? null : F(scales, scales.Length), sizes is null ? null : Vec(sizes),
        };
        return (Tensor<float>)Run1("Resize", inputs, 19, attrs);
    }

    private static void Near(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"[{i}]: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void NearestUpsampleRepeatsElements()
    {
        var y = Resize(F([1, 2, 3, 4], 1, 1, 2, 2), [1, 1, 2, 2], null, null,
            Attribute.Of("mode", "nearest"), Attribute.Of("coordinate_transformation_mode", "asymmetric"), Attribute.Of("nearest_mode", "floor"));
        Assert.Equal([1, 1, 4, 4], y.Shape);
        Assert.Equal([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], y.ToArray());
    }

    [Fact]
    public void NearestModesRoundHalfWays()
    {
        // half_pixel, 2 → 4: source coordinates -0.25, 0.25, 0.75, 1.25.
        var x = F([10, 20], 1, 2);
        float[] Mode(string m) => Resize(x, null, [1, 4], null, Attribute.Of("nearest_mode", m)).ToArray();
        Assert.Equal([10, 10, 20, 20], Mode("round_prefer_floor"));
        Assert.Equal([10, 20, 20, 20], Mode("ceil"));
        Assert.Equal([10, 10, 10, 20], Mode("floor"));
        // asymmetric 2 → 4: 0, 0.5, 1, 1.5 — the halves decide.
        float[] Half(string m) => Resize(x, null, [1, 4], null, Attribute.Of("nearest_mode", m),
            Attribute.Of("coordinate_transformation_mode", "asymmetric")).ToArray();
        Assert.Equal([10, 10, 20, 20], Half("round_prefer_floor"));
        Assert.Equal([10, 20, 20, 20], Half("round_prefer_ceil"));
    }

    [Fact]
    public void LinearCoordinateModes()
    {
        var x = F([0, 4], 1, 2);
        Near([0, 1, 3, 4], Resize(x, null, [1, 4], null, Attribute.Of("mode", "linear")).ToArray());
        Near([0, 4 / 3f, 8 / 3f, 4], Resize(x, null, [1, 4], null, Attribute.Of("mode", "linear"),
            Attribute.Of("coordinate_transformation_mode", "align_corners")).ToArray());
        Near([0, 2, 4, 4], Resize(x, null, [1, 4], null, Attribute.Of("mode", "linear"),
            Attribute.Of("coordinate_transformation_mode", "asymmetric")).ToArray());
    }

    [Fact]
    public void TfCropAndResizeExtrapolatesOutsideTheInput()
    {
        // roi on the last axis [0.5, 1.5] of a width-4 row: x = 1.5, 3, 4.5 (outside).
        var y = Resize(F([0, 1, 2, 3], 1, 4), null, [1, 3], [0, 0.5f, 1, 1.5f],
            Attribute.Of("mode", "linear"), Attribute.Of("coordinate_transformation_mode", "tf_crop_and_resize"),
            Attribute.Of("extrapolation_value", 10f));
        Near([1.5f, 3, 10], y.ToArray());
    }

    [Fact]
    public void KeepAspectRatioPolicyAndAxes()
    {
        var x = Iota(1, 1, 2, 4);
        var notLarger = Resize(x, null, [4, 4], null, Attribute.Of("axes", new long[] { 2, 3 }), Attribute.Of("keep_aspect_ratio_policy", "not_larger"));
        Assert.Equal([1, 1, 2, 4], notLarger.Shape);
        Assert.Equal(x.ToArray(), notLarger.ToArray());
        var notSmaller = Resize(x, null, [4, 4], null, Attribute.Of("axes", new long[] { 2, 3 }), Attribute.Of("keep_aspect_ratio_policy", "not_smaller"));
        Assert.Equal([1, 1, 4, 8], notSmaller.Shape);
    }

    [Fact]
    public void IntegerInputsRoundToNearestEven()
    {
        var x = new Tensor<int>(new[] { 0, 3 }, [1, 2]);
        var y = (Tensor<int>)Run1("Resize", [x, null, null, Vec(1, 4)], 19, Attribute.Of("mode", "linear"),
            Attribute.Of("coordinate_transformation_mode", "align_corners"));
        Assert.Equal([0, 1, 2, 3], y.ToArray());
        var half = (Tensor<int>)Run1("Resize", [new Tensor<int>(new[] { 0, 1, 2, 3 }, [1, 4]), null, null, Vec(1, 3)], 19,
            Attribute.Of("mode", "linear"), Attribute.Of("coordinate_transformation_mode", "align_corners"));
        Assert.Equal([0, 2, 3], half.ToArray()); // 0, 1.5 → 2, 3
    }

    [Fact]
    public void InterpolationOfAConstantIsTheConstant() =>
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[1, 9], Gen.Int[1, 9]).Sample((h, w, oh, ow) =>
        {
            var x = F(Enumerable.Repeat(2.5f, h * w).ToArray(), 1, 1, h, w);
            foreach (var mode in new[] { "linear", "cubic" })
                foreach (var antialias in new[] { 0L, 1L })
                    foreach (var ctm in new[] { "half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel", "half_pixel_symmetric" })
                    {
                        var y = Resize(x, null, [1, 1, oh, ow], null, Attribute.Of("mode", mode), Attribute.Of("antialias", antialias),
                            Attribute.Of("coordinate_transformation_mode", ctm), Attribute.Of("exclude_outside", antialias));
                        Assert.Equal([1, 1, oh, ow], y.Shape);
                        Near(Enumerable.Repeat(2.5f, oh * ow).ToArray(), y.ToArray());
                    }
        });

    [Fact]
    public void UpsampleIsAsymmetricNearestFloor()
    {
        var y = (Tensor<float>)Run1("Upsample", [F([1, 2], 1, 2), F([1, 3], 2)], 9);
        Assert.Equal([1, 6], y.Shape);
        Assert.Equal([1, 1, 1, 2, 2, 2], y.ToArray());
        var old = (Tensor<float>)Run1("Upsample", [F([1, 2], 1, 2)], 7, Attribute.Of("scales", new float[] { 1, 2 }), Attribute.Of("mode", "linear"));
        Assert.Equal([1, 1.5f, 2, 2], old.ToArray());
    }
}
