using Strata.Core;

namespace Strata.Bench.Workloads;

/// <summary>Ops and shapes that no row of issue 5 names, where a one-kernel probe against ONNX Runtime found Strata
/// several times slower, kept here so the bench watches them: a 3×3 conv on a 16×16 plane (rows of one whole vector),
/// a nearest 2× Resize, a 2×2/2 ConvTranspose (a U-Net's or FPN's upsampling) and a LayerNorm written out with
/// ReduceMean and Pow. Their own group; no issue target
/// (1.0 here: parity, as for SiLU).</summary>
internal static class ProbeWorkloads
{
    public const double TargetRatio = 1.0;

    public static IEnumerable<Workload> All()
    {
        var conv = ConvWorkloads.Conv("conv-3x3-256to256-16", cin: 256, cout: 256, hw: 16, k: 3, stride: 1, pad: 1, group: 1);
        yield return conv with { Group = "probe", TargetRatio = TargetRatio };
        yield return ResizeNearest("resize-nearest2x-64-40", c: 64, hw: 40);
        yield return ConvTranspose("convtranspose-2x2s2-128to64-32", cin: 128, cout: 64, hw: 32);
        yield return LayerNormWrittenOut(128, 768);
    }

    /// <summary>LayerNorm as an exporter before opset 17 writes it: ReduceMean, Sub, Pow(·, 2), ReduceMean, Add, Sqrt, Div,
    /// Mul, Add (ONNX Runtime fuses it back into one LayerNormalization).</summary>
    private static Workload LayerNormWrittenOut(int rows, int cols) =>
        new($"layernorm-written-{rows}x{cols}", "probe", null, TargetRatio, () =>
        {
            var b = new ModelBuild("layernorm_written", seed: 29);
            var g = b.Graph;
            var x = b.Input("x", 1, rows, cols);
            var centred = g.Sub(x, g.ReduceMean(x, [-1]));
            var variance = g.ReduceMean(g.Pow(centred, g.Scalar(2.0)), [-1]);
            var normed = g.Div(centred, g.Sqrt(g.Add(variance, g.Scalar(1e-12))));
            return b.Finish(g.Add(g.Mul(normed, b.Weight("gamma", 1, cols)), b.Weight("beta", 1, cols)));
        });

    /// <summary>Resize (opset 17) by scales [1, 1, 2, 2], mode nearest, the default half_pixel / round_prefer_floor.</summary>
    private static Workload ResizeNearest(string name, int c, int hw) =>
        new(name, "probe", null, TargetRatio, () =>
        {
            var b = new ModelBuild(name.Replace('-', '_'), seed: c * 17 + hw);
            var x = b.Input("x", 1, c, hw, hw);
            var scales = b.Graph.Constant("scales", Tensor<float>.FromArray([1f, 1f, 2f, 2f], 4));
            return b.Finish(b.Graph.Op("Resize", [x, null, scales], [Graph.Attribute.Of("mode", "nearest")]));
        });

    /// <summary>ConvTranspose 2×2, stride 2, with bias. Flops: 2·Cin·Cout·H·W·4 (each input position feeds 4 outputs).</summary>
    private static Workload ConvTranspose(string name, int cin, int cout, int hw) =>
        new(name, "probe", 2.0 * cin * cout * hw * hw * 4, TargetRatio, () =>
        {
            var b = new ModelBuild(name.Replace('-', '_'), seed: cin * 31 + cout);
            var x = b.Input("x", 1, cin, hw, hw);
            var w = b.Weight("w", cin * 4, cin, cout, 2, 2);
            var bias = b.Weight("bias", 1, cout);
            return b.Finish(b.Graph.Op("ConvTranspose", [x, w, bias],
                [Graph.Attribute.Of("strides", new long[] { 2, 2 }), Graph.Attribute.Of("kernel_shape", new long[] { 2, 2 })]));
        });
}
