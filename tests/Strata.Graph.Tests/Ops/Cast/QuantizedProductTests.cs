using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Cast.CastHarness;

namespace Strata.Graph.Tests.Ops.Cast;

public class QuantizedProductTests
{
    private static Tensor<T> Random<T>(Random rng, int[] shape, Func<Random, T> next) =>
        new(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => next(rng)).ToArray(), shape);

    [Fact]
    public void MatMulIntegerMatchesNaiveProduct() =>
        Gen.Int[1, 4].Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, 3], Gen.Int[0, 1 << 20]).Sample((m, k, n, batch, seed) =>
        {
            var rng = new Random(seed);
            int[] aShape = batch == 0 ? [m, k] : [batch, m, k], bShape = [k, n];
            var a = Random(rng, aShape, r => (byte)r.Next(256));
            var b = Random(rng, bShape, r => (sbyte)r.Next(-128, 128));
            var azp = Random(rng, [m], r => (byte)r.Next(256)); // per row of A
            var bzp = Random(rng, [n], r => (sbyte)r.Next(-128, 128)); // per column of B
            var y = (Tensor<int>)Run("MatMulInteger", [a, b, azp, bzp]);
            int batches = Math.Max(batch, 1);
            Assert.Equal(batch == 0 ? [m, n] : [batch, m, n], y.Shape);
            for (int t = 0; t < batches; t++)
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int s = 0;
                for (int p = 0; p < k; p++) s += (a[(t * m + i) * k + p] - azp[i]) * (b[p * n + j] - bzp[j]);
                Assert.Equal(s, y[(t * m + i) * n + j]);
            }
        });

    [Fact]
    public void MatMulIntegerVectorsAndBroadcastBatches()
    {
        var a = T<byte>(1, 2, 3);
        var b = Tensor<byte>.FromArray([1, 2, 3, 4, 5, 6], [3, 2]);
        var y = (Tensor<int>)Run("MatMulInteger", [a, b]);
        Assert.Equal([2], y.Shape);
        Assert.Equal([22, 28], y.ToArray());
        var a3 = new Tensor<byte>(new byte[2 * 1 * 3], [2, 1, 3]);
        var b3 = new Tensor<byte>(new byte[3 * 3 * 2], [3, 1, 3, 2]);
        Assert.Equal([3, 2, 1, 2], Run("MatMulInteger", [a3, b3]).Shape);
        Assert.Equal(new TensorType(DataType.Int32, Shape.Of([Dim.Sym("b"), Dim.Of(4), Dim.Of(2)])),
            Infer("MatMulInteger", [new TensorType(DataType.UInt8, Shape.Of([Dim.Sym("b"), Dim.Of(4), Dim.Of(3)])), new TensorType(DataType.UInt8, Shape.Of(3, 2))], 1)[0]);
        Assert.Throws<StrataException>(() => Run("MatMulInteger", [a, new Tensor<byte>([2, 2])]));
    }

    [Fact]
    public void QLinearMatMulSpecExample()
    {
        var a = Tensor<byte>.FromArray([208, 236, 0, 238, 3, 214, 255, 29], [2, 4]);
        var b = Tensor<byte>.FromArray([152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247], [4, 3]);
        var y = (Tensor<byte>)Run("QLinearMatMul", [a, T(0.0066f), T<byte>(113), b, T(0.00705f), T<byte>(114), T(0.0107f), T<byte>(118)]);
        Assert.Equal([168, 115, 255, 1, 66, 151], y.ToArray().Select(v => (int)v));
    }

    [Fact]
    public void QLinearMatMulMatchesDequantizedProduct() =>
        Gen.Int[1, 4].Select(Gen.Int[1, 5], Gen.Int[1, 4], Gen.Int[0, 1 << 20]).Sample((m, k, n, seed) =>
        {
            var rng = new Random(seed);
            var a = Random(rng, [m, k], r => (sbyte)r.Next(-128, 128));
            var b = Random(rng, [k, n], r => (sbyte)r.Next(-128, 128));
            float aS = 0.01f + (float)rng.NextDouble() / 10, bS = 0.01f + (float)rng.NextDouble() / 10, yS = 0.5f + (float)rng.NextDouble();
            sbyte aZ = (sbyte)rng.Next(-10, 10), bZ = (sbyte)rng.Next(-10, 10), yZ = (sbyte)rng.Next(-10, 10);
            var y = (Tensor<sbyte>)Run("QLinearMatMul", [a, T(aS), T(aZ), b, T(bS), T(bZ), T(yS), T(yZ)]);
            float ratio = aS * bS / yS;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long s = 0;
                for (int p = 0; p < k; p++) s += (a[i * k + p] - aZ) * (b[p * n + j] - bZ);
                double expected = Math.Clamp(Math.Round(s * (double)ratio + yZ, MidpointRounding.ToEven), -128, 127);
                Assert.Equal((sbyte)expected, y[i * n + j]);
            }
        });

    [Fact]
    public void QLinearMatMulFloat8()
    {
        var one = new Float8E4M3FN(0x38);
        var a = Tensor<Float8E4M3FN>.FromArray([one, one], [1, 2]);
        var b = Tensor<Float8E4M3FN>.FromArray([one, one], [2, 1]);
        var zero = Tensor<Float8E4M3FN>.FromArray([new Float8E4M3FN(0)], [1]);
        var y = (Tensor<Float8E4M3FN>)Run("QLinearMatMul", [a, T(3f), zero, b, T(2f), zero, T(0.5f), zero]);
        Assert.Equal(24f, (float)y[0]);
    }

    /// <summary>2-D convolution written out directly, with explicit pads and strides, as the independent oracle.</summary>
    private static int[] NaiveConv2D(int[] x, int[] xs, int[] w, int[] ws, int group, int[] pads, int[] strides, int[] dil, out int[] shape)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) / strides[0] + 1;
        int ow = (wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) / strides[1] + 1;
        shape = [n, m, oh, ow];
        var y = new int[n * m * oh * ow];
        for (int b = 0; b < n; b++)
        for (int o = 0; o < m; o++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int g = o / (m / group), s = 0;
            for (int ci = 0; ci < cg; ci++)
            for (int p = 0; p < kh; p++)
            for (int q = 0; q < kw; q++)
            {
                int r = i * strides[0] - pads[0] + p * dil[0], col = j * strides[1] - pads[1] + q * dil[1];
                if (r < 0 || r >= h || col < 0 || col >= wd) continue;
                s += x[((b * c + g * cg + ci) * h + r) * wd + col] * w[((o * cg + ci) * kh + p) * kw + q];
            }
            y[((b * m + o) * oh + i) * ow + j] = s;
        }
        return y;
    }

    [Fact]
    public void ConvIntegerMatchesNaiveConvolution() =>
        Gen.Int[1, 2].Select(Gen.Int[1, 2], Gen.Int[1, 3], Gen.Int[0, 1 << 20]).Sample((group, cg, mg, seed) =>
        {
            var rng = new Random(seed);
            int h = rng.Next(3, 7), wd = rng.Next(3, 7), kh = rng.Next(1, 4), kw = rng.Next(1, 4);
            int[] pads = [rng.Next(0, 2), rng.Next(0, 2), rng.Next(0, 2), rng.Next(0, 2)], strides = [rng.Next(1, 3), rng.Next(1, 3)], dil = [1, rng.Next(1, 3)];
            if (h + pads[0] + pads[2] < kh || wd + pads[1] + pads[3] < dil[1] * (kw - 1) + 1) return;
            var x = Random(rng, [2, group * cg, h, wd], r => (byte)r.Next(256));
            var w = Random(rng, [group * mg, cg, kh, kw], r => (sbyte)r.Next(-128, 128));
            byte xz = (byte)rng.Next(256);
            var wz = Random(rng, [group * mg], r => (sbyte)r.Next(-5, 5));
            var y = (Tensor<int>)Run("ConvInteger", [x, w, Tensor<byte>.Scalar(xz), wz],
                Attribute.Of("group", (long)group), Attribute.Of("pads", pads.Select(v => (long)v).ToArray()),
                Attribute.Of("strides", strides.Select(v => (long)v).ToArray()), Attribute.Of("dilations", dil.Select(v => (long)v).ToArray()));
            var xc = x.ToArray().Select(v => v - xz).ToArray();
            int per = cg * kh * kw;
            var wc = w.ToArray().Select((v, i) => v - wz[i / per]).ToArray();
            var expected = NaiveConv2D(xc, x.Shape, wc, w.Shape, group, pads, strides, dil, out var shape);
            Assert.Equal(shape, y.Shape);
            Assert.Equal(expected, y.ToArray());
        });

    [Fact]
    public void ConvIntegerAutoPadSameKeepsTheSize()
    {
        var x = Tensor<byte>.FromArray(Enumerable.Range(0, 25).Select(i => (byte)i).ToArray(), 1, 1, 5, 5);
        var w = Tensor<byte>.FromArray(Enumerable.Repeat((byte)1, 9).ToArray(), 1, 1, 3, 3);
        var upper = (Tensor<int>)Run("ConvInteger", [x, w], Attribute.Of("auto_pad", "SAME_UPPER"));
        var explicitPads = (Tensor<int>)Run("ConvInteger", [x, w], Attribute.Of("pads", new long[] { 1, 1, 1, 1 }));
        Assert.Equal([1, 1, 5, 5], upper.Shape);
        Assert.Equal(explicitPads.ToArray(), upper.ToArray());
        var strided = Run("ConvInteger", [x, w], Attribute.Of("auto_pad", "SAME_LOWER"), Attribute.Of("strides", new long[] { 2, 2 }));
        Assert.Equal([1, 1, 3, 3], strided.Shape);
        var valid = Run("ConvInteger", [x, w], Attribute.Of("auto_pad", "VALID"));
        Assert.Equal([1, 1, 3, 3], valid.Shape);
    }

    [Fact]
    public void QLinearConvRequantizesPerChannel()
    {
        var x = Tensor<byte>.FromArray([10, 20, 30, 40], [1, 1, 2, 2]);
        var w = Tensor<sbyte>.FromArray([2, -3], [2, 1, 1, 1]);
        var y = (Tensor<byte>)Run("QLinearConv", [x, T(0.5f), T<byte>(10), w, T(1f, 2f), T<sbyte>(0, 0), T(4f), T<byte>(100), T(4, 0)]);
        Assert.Equal([1, 2, 2, 2], y.Shape);
        // Channel 0: ((x - 10) * 2 + 4) * (0.5 * 1 / 4) = 0.5 -> 0 (half to even), 3, 5.5 -> 6, 8.
        // Channel 1: (x - 10) * -3 * (0.5 * 2 / 4) = 0, -7.5 -> -8, -15, -22.5 -> -22.
        int[] expected = [100, 103, 106, 108, 100, 92, 85, 78];
        Assert.Equal(expected, y.ToArray().Select(v => (int)v));
        Assert.Equal(new TensorType(DataType.UInt8, Shape.Of(1, 2, 2, 2)),
            Infer("QLinearConv", [x.Type, null, null, w.Type, null, null, null, new TensorType(DataType.UInt8, Shape.Scalar)], 1)[0]);
    }
}
