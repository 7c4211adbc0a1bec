namespace Strata.Bench.Workloads;

/// <summary>Convolutions of ResNet/MobileNet shape, batch 1, NCHW, with bias.
/// Flops: 2·N·Cout·Hout·Wout·Cin/group·kh·kw.</summary>
internal static class ConvWorkloads
{
    public const double TargetRatio = 0.9;

    public static IEnumerable<Workload> All()
    {
        yield return Conv("conv-3x3-64to64-56", cin: 64, cout: 64, hw: 56, k: 3, stride: 1, pad: 1, group: 1);
        yield return Conv("conv-1x1-256to64-56", cin: 256, cout: 64, hw: 56, k: 1, stride: 1, pad: 0, group: 1);
        yield return Conv("conv-7x7s2-3to64-224", cin: 3, cout: 64, hw: 224, k: 7, stride: 2, pad: 3, group: 1);
        yield return Conv("conv-dw3x3-32-112", cin: 32, cout: 32, hw: 112, k: 3, stride: 1, pad: 1, group: 32);
        yield return Conv("conv-dw3x3s2-64-112", cin: 64, cout: 64, hw: 112, k: 3, stride: 2, pad: 1, group: 64);
        yield return MaxPool("maxpool-3x3s2-64-112", c: 64, hw: 112, k: 3, stride: 2, pad: 1);
    }

    /// <summary>ResNet's stem pool (3×3/2, pad 1, after the 7×7/2 conv). No flop count: it compares and moves.</summary>
    public static Workload MaxPool(string name, int c, int hw, int k, int stride, int pad) =>
        new(name, "conv", null, TargetRatio, () =>
        {
            var b = new ModelBuild(name.Replace('-', '_'), seed: c * 131 + k);
            var x = b.Input("x", 1, c, hw, hw);
            return b.Finish(b.Graph.MaxPool(x, [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad]));
        });

    public static Workload Conv(string name, int cin, int cout, int hw, int k, int stride, int pad, int group)
    {
        int outHw = (hw + 2 * pad - k) / stride + 1;
        int cinPerGroup = cin / group;
        double flops = 2.0 * cout * outHw * outHw * cinPerGroup * k * k;
        return new(name, "conv", flops, TargetRatio, () =>
        {
            var b = new ModelBuild(name.Replace('-', '_'), seed: cin * 131 + cout * 7 + k);
            var x = b.Input("x", 1, cin, hw, hw);
            var w = b.Weight("w", cinPerGroup * k * k, cout, cinPerGroup, k, k);
            var bias = b.Weight("bias", 1, cout);
            return b.Finish(b.Graph.Conv(x, w, bias, strides: [stride, stride], pads: [pad, pad, pad, pad],
                group: group, kernelShape: [k, k]));
        });
    }
}
