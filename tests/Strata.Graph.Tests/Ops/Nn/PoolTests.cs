using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

public class PoolTests
{
    private static Tensor<float> Iota(params int[] shape)
    {
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Length; i++) t[i] = i + 1;
        return t;
    }

    [Fact]
    public void Max_pool_with_pads_strides_and_indices()
    {
        // 1..16 in a 4x4 image; 3x3 windows, stride 2, pads 1: windows centred on (0,0),(0,2),(2,0),(2,2).
        var x = Iota(1, 1, 4, 4);
        var r = NnHarness.Run("MaxPool", [x], 2, 22, Attribute.Of("kernel_shape", new long[] { 3, 3 }),
            Attribute.Of("strides", new long[] { 2, 2 }), Attribute.Of("pads", new long[] { 1, 1, 1, 1 }));
        NnHarness.AssertClose([6, 8, 14, 16], r[0], 0);
        Assert.Equal(new long[] { 5, 7, 13, 15 }, ((Tensor<long>)r[1]).ToArray());
        var cm = NnHarness.Run("MaxPool", [x], 2, 22, Attribute.Of("kernel_shape", new long[] { 3, 3 }),
            Attribute.Of("strides", new long[] { 2, 2 }), Attribute.Of("pads", new long[] { 1, 1, 1, 1 }), Attribute.Of("storage_order", 1L));
        // Column-major index of (h, w) is h + 4w.
        Assert.Equal(new long[] { 1 + 4 * 1, 1 + 4 * 3, 3 + 4 * 1, 3 + 4 * 3 }, ((Tensor<long>)cm[1]).ToArray());
    }

    [Fact]
    public void Max_pool_ceil_mode_and_uint8()
    {
        var x = Iota(1, 1, 4, 4);
        var y = NnHarness.Run("MaxPool", [x], Attribute.Of("kernel_shape", new long[] { 3, 3 }), Attribute.Of("strides", new long[] { 2, 2 }),
            Attribute.Of("ceil_mode", 1L))[0];
        NnHarness.AssertClose([11, 12, 15, 16], y, 0);
        var u = new Tensor<byte>([1, 1, 2, 3]);
        for (int i = 0; i < 6; i++) u[i] = (byte)(200 + i);
        var yu = (Tensor<byte>)NnHarness.Run("MaxPool", [u], Attribute.Of("kernel_shape", new long[] { 2, 2 }))[0];
        Assert.Equal(new byte[] { 204, 205 }, yu.ToArray());
    }

    [Fact]
    public void Average_pool_count_include_pad_and_dilations()
    {
        var x = Iota(1, 1, 3, 3);
        var attrs = new[] { Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("pads", new long[] { 1, 1, 0, 0 }) };
        var excl = NnHarness.Run("AveragePool", [x], attrs)[0];
        // Windows at (-1,-1), (-1,0), ... ; corner window holds only 1.
        NnHarness.AssertClose([1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7], excl, 1e-6);
        var incl = NnHarness.Run("AveragePool", [x], [.. attrs, Attribute.Of("count_include_pad", 1L)])[0];
        NnHarness.AssertClose([0.25, 0.75, 1.25, 1.25, 3, 4, 2.75, 6, 7], incl, 1e-6);

        var x4 = Iota(1, 1, 4, 4);
        var dil = NnHarness.Run("AveragePool", [x4], 1, 19, Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("dilations", new long[] { 2, 2 }))[0];
        NnHarness.AssertClose([(1 + 3 + 9 + 11) / 4.0, (2 + 4 + 10 + 12) / 4.0, (5 + 7 + 13 + 15) / 4.0, (6 + 8 + 14 + 16) / 4.0], dil, 1e-6);
    }

    [Fact]
    public void Same_padding_lp_and_global_pools()
    {
        var x = Iota(1, 2, 3, 3);
        var same = NnHarness.Run("AveragePool", [x], Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("auto_pad", "SAME_UPPER"))[0];
        Assert.Equal(new[] { 1, 2, 3, 3 }, same.Shape);
        Assert.Equal(9.0, TensorConvert.ToDoubles(same)[8], 5); // bottom-right window holds only 9
        var lower = NnHarness.Run("AveragePool", [x], Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("auto_pad", "SAME_LOWER"))[0];
        Assert.Equal(1.0, TensorConvert.ToDoubles(lower)[0], 5); // top-left window holds only 1

        var lp = NnHarness.Run("LpPool", [x], Attribute.Of("kernel_shape", new long[] { 3, 3 }), Attribute.Of("p", 2L))[0];
        NnHarness.AssertClose([Math.Sqrt(Enumerable.Range(1, 9).Sum(v => v * v)), Math.Sqrt(Enumerable.Range(10, 9).Sum(v => v * v))], lp, 1e-6);

        NnHarness.AssertClose([5, 14], NnHarness.Run("GlobalAveragePool", [x])[0], 1e-6);
        NnHarness.AssertClose([9, 18], NnHarness.Run("GlobalMaxPool", [x])[0], 0);
        Assert.Equal(new[] { 1, 2, 1, 1 }, NnHarness.Run("GlobalMaxPool", [x])[0].Shape);
        Assert.Equal("f32[1,2,2,2]", NnHarness.Infer("MaxPool", [x], 2, 22, Attribute.Of("kernel_shape", new long[] { 2, 2 }))[0]!.ToString());
    }

    [Fact]
    public void Max_unpool_inverts_max_pool_positions()
    {
        var x = Iota(1, 1, 4, 4);
        var r = NnHarness.Run("MaxPool", [x], 2, 22, Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("strides", new long[] { 2, 2 }));
        var y = NnHarness.Run("MaxUnpool", [r[0], r[1]], Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("strides", new long[] { 2, 2 }))[0];
        NnHarness.AssertClose([0, 0, 0, 0, 0, 6, 0, 8, 0, 0, 0, 0, 0, 14, 0, 16], y, 0);
        var bigger = NnHarness.Run("MaxUnpool", [r[0], r[1], Tensor<long>.FromArray([1, 1, 5, 5], 4)],
            Attribute.Of("kernel_shape", new long[] { 2, 2 }), Attribute.Of("strides", new long[] { 2, 2 }))[0];
        Assert.Equal(new[] { 1, 1, 5, 5 }, bigger.Shape);
        Assert.Equal(16.0, TensorConvert.ToDoubles(bigger)[3 * 5 + 3]);
    }

    [Fact]
    public void Max_and_average_pool_match_direct_windows()
    {
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 1 << 20], Gen.Int[0, 100000]).Sample((rank, bits, seed) =>
        {
            var rng = new Random(seed);
            var input = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 8)).ToArray();
            var k = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
            var s = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
            var d = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 3)).ToArray();
            var pads = Enumerable.Range(0, 2 * rank).Select(i => Math.Min(rng.Next(0, 3), k[i % rank] - 1)).ToArray();
            bool ceil = (bits & 1) != 0, includePad = (bits & 2) != 0;
            var od = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                int room = input[i] + pads[i] + pads[rank + i] - ((k[i] - 1) * d[i] + 1);
                if (room < 0) return;
                od[i] = (ceil ? (room + s[i] - 1) / s[i] : room / s[i]) + 1;
                if (ceil && (od[i] - 1) * s[i] >= input[i] + pads[i]) od[i]--;
            }
            var x = NnHarness.RandomDouble(rng, [1, 2, .. input]);
            Attribute[] attrs = [Attribute.Of("kernel_shape", k.Select(v => (long)v).ToArray()), Attribute.Of("strides", s.Select(v => (long)v).ToArray()),
                Attribute.Of("dilations", d.Select(v => (long)v).ToArray()), Attribute.Of("pads", pads.Select(v => (long)v).ToArray()),
                Attribute.Of("ceil_mode", ceil ? 1L : 0L)];
            var max = NnHarness.Run("MaxPool", [x], attrs)[0];
            var avg = NnHarness.Run("AveragePool", [x], [.. attrs, Attribute.Of("count_include_pad", includePad ? 1L : 0L)])[0];
            Assert.Equal([1, 2, .. od], max.Shape);
            int osz = od.Aggregate(1, (p, v) => p * v), isz = input.Aggregate(1, (p, v) => p * v), ksz = k.Aggregate(1, (p, v) => p * v);
            var em = new double[2 * osz];
            var ea = new double[2 * osz];
            var o = new int[rank];
            var kc = new int[rank];
            for (int c = 0; c < 2; c++)
                for (int op = 0; op < osz; op++)
                {
                    for (int i = rank - 1, r = op; i >= 0; i--) { o[i] = r % od[i]; r /= od[i]; }
                    double m = double.NegativeInfinity, sum = 0;
                    int n = 0, padded = 0;
                    for (int kp = 0; kp < ksz; kp++)
                    {
                        for (int i = rank - 1, r = kp; i >= 0; i--) { kc[i] = r % k[i]; r /= k[i]; }
                        int flat = 0;
                        bool inside = true, inPadded = true;
                        for (int i = 0; i < rank; i++)
                        {
                            int pos = o[i] * s[i] - pads[i] + kc[i] * d[i];
                            if (pos < 0 || pos >= input[i]) inside = false;
                            if (pos >= input[i] + pads[rank + i]) inPadded = false;
                            flat = flat * input[i] + pos;
                        }
                        if (inPadded) padded++;
                        if (!inside) continue;
                        double v = x[c * isz + flat];
                        m = Math.Max(m, v);
                        sum += v;
                        n++;
                    }
                    // A window that only covers padding: MaxPool gives 0 (like the reference), AveragePool 0/0.
                    em[c * osz + op] = n == 0 ? 0 : m;
                    ea[c * osz + op] = (includePad ? padded : n) == 0 ? double.NaN : sum / (includePad ? padded : n);
                }
            NnHarness.AssertClose(em, max, 0);
            NnHarness.AssertClose(ea, avg, 1e-12);
        }, iter: 200);
    }
}
