using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

public class ConvTests
{
    private sealed record Case(int Rank, int N, int Group, int Cg, int Mg, int[] In, int[] K, int[] S, int[] D, int[] Pads, int Seed);

    private static readonly Gen<Case> Cases =
        from rank in Gen.Int[1, 3]
        from n in Gen.Int[1, 2]
        from groups in Gen.Int[1, 3]
        from cg in Gen.Int[1, 3]
        from mg in Gen.Int[1, 3]
        from dims in Gen.Int[1, 7].Array[rank * 5]
        from seed in Gen.Int[0, 100000]
        select new Case(rank, n, groups, cg, mg,
            dims[..rank].Select(v => v + 2).ToArray(),
            dims[rank..(2 * rank)].Select(v => 1 + v % 3).ToArray(),
            dims[(2 * rank)..(3 * rank)].Select(v => 1 + v % 3).ToArray(),
            dims[(3 * rank)..(4 * rank)].Select(v => 1 + v % 2).ToArray(),
            dims[(4 * rank)..].Concat(dims[..rank]).Select(v => v % 3).ToArray(),
            seed);

    /// <summary>Direct convolution: for every output element, sum over input channels of the group and kernel taps.</summary>
    private static double[] NaiveConv(Case c, double[] x, double[] w, double[] b, out int[] outDims)
    {
        int rank = c.Rank, C = c.Group * c.Cg, M = c.Group * c.Mg;
        var od = new int[rank];
        for (int d = 0; d < rank; d++) od[d] = (c.In[d] + c.Pads[d] + c.Pads[rank + d] - ((c.K[d] - 1) * c.D[d] + 1)) / c.S[d] + 1;
        outDims = od;
        int osz = od.Aggregate(1, (p, v) => p * v), isz = c.In.Aggregate(1, (p, v) => p * v), ksz = c.K.Aggregate(1, (p, v) => p * v);
        var y = new double[c.N * M * osz];
        var o = new int[rank];
        var k = new int[rank];
        for (int ni = 0; ni < c.N; ni++)
            for (int m = 0; m < M; m++)
                for (int op = 0; op < osz; op++)
                {
                    Decode(op, od, o);
                    double s = b[m];
                    int g = m / c.Mg;
                    for (int ci = 0; ci < c.Cg; ci++)
                        for (int kp = 0; kp < ksz; kp++)
                        {
                            Decode(kp, c.K, k);
                            int flat = 0;
                            bool inside = true;
                            for (int d = 0; d < rank; d++)
                            {
                                int id = o[d] * c.S[d] - c.Pads[d] + k[d] * c.D[d];
                                if (id < 0 || id >= c.In[d]) inside = false;
                                flat = flat * c.In[d] + id;
                            }
                            if (!inside) continue;
                            s += x[(ni * C + g * c.Cg + ci) * isz + flat] * w[(m * c.Cg + ci) * ksz + kp];
                        }
                    y[(ni * M + m) * osz + op] = s;
                }
        return y;
    }

    private static void Decode(int flat, int[] dims, int[] coords)
    {
        for (int d = dims.Length - 1; d >= 0; d--) { coords[d] = flat % dims[d]; flat /= dims[d]; }
    }

    [Fact]
    public void Conv_matches_direct_convolution()
    {
        Cases.Where(c => Enumerable.Range(0, c.Rank).All(d => c.In[d] + c.Pads[d] + c.Pads[c.Rank + d] >= (c.K[d] - 1) * c.D[d] + 1))
            .Sample(c =>
            {
                var rng = new Random(c.Seed);
                var x = NnHarness.Random(rng, [c.N, c.Group * c.Cg, .. c.In]);
                var w = NnHarness.Random(rng, [c.Group * c.Mg, c.Cg, .. c.K]);
                var b = NnHarness.Random(rng, c.Group * c.Mg);
                var y = NnHarness.Run("Conv", [x, w, b], Attribute.Of("group", (long)c.Group),
                    Attribute.Of("strides", c.S.Select(v => (long)v).ToArray()), Attribute.Of("dilations", c.D.Select(v => (long)v).ToArray()),
                    Attribute.Of("pads", c.Pads.Select(v => (long)v).ToArray()))[0];
                var expected = NaiveConv(c, TensorConvert.ToDoubles(x), TensorConvert.ToDoubles(w), TensorConvert.ToDoubles(b), out var od);
                Assert.Equal([c.N, c.Group * c.Mg, .. od], y.Shape);
                NnHarness.AssertClose(expected, y, 1e-4);
            }, iter: 150);
    }

    [Fact]
    public void Large_conv_runs_in_parallel_chunks_and_matches()
    {
        var c = new Case(2, 2, 1, 5, 19, [23, 29], [3, 3], [1, 1], [1, 1], [1, 1, 1, 1], 7);
        var rng = new Random(c.Seed);
        var x = NnHarness.Random(rng, [c.N, c.Cg, .. c.In]);
        var w = NnHarness.Random(rng, [c.Mg, c.Cg, .. c.K]);
        var b = NnHarness.Random(rng, c.Mg);
        var y = NnHarness.Run("Conv", [x, w, b], Attribute.Of("pads", new long[] { 1, 1, 1, 1 }))[0];
        var expected = NaiveConv(c, TensorConvert.ToDoubles(x), TensorConvert.ToDoubles(w), TensorConvert.ToDoubles(b), out _);
        NnHarness.AssertClose(expected, y, 1e-4);

        // 1x1 kernels take the direct product path.
        var c1 = c with { K = [1, 1], Pads = [0, 0, 0, 0] };
        var w1 = NnHarness.Random(rng, [c.Mg, c.Cg, 1, 1]);
        var y1 = NnHarness.Run("Conv", [x, w1, b])[0];
        NnHarness.AssertClose(NaiveConv(c1, TensorConvert.ToDoubles(x), TensorConvert.ToDoubles(w1), TensorConvert.ToDoubles(b), out _), y1, 1e-4);
    }

    [Fact]
    public void Auto_pad_same_keeps_size_and_infers()
    {
        var x = NnHarness.Random(new Random(2), 1, 2, 7, 6);
        var w = NnHarness.Random(new Random(3), 3, 2, 3, 2);
        foreach (var mode in new[] { "SAME_UPPER", "SAME_LOWER" })
        {
            var attrs = new[] { Attribute.Of("auto_pad", mode), Attribute.Of("strides", new long[] { 2, 2 }) };
            var y = NnHarness.Run("Conv", [x, w, null], attrs)[0];
            Assert.Equal(new[] { 1, 3, 4, 3 }, y.Shape);
            Assert.Equal("f32[1,3,4,3]", NnHarness.Infer("Conv", [x, w], 1, 22, attrs)[0]!.ToString());
            // Equivalent explicit pads: total 2·(4−1)+3−7 = 2 rows, 2·(3−1)+2−6 = 0 cols.
            var pads = mode == "SAME_UPPER" ? new long[] { 1, 0, 1, 0 } : new long[] { 1, 0, 1, 0 };
            var explicitY = NnHarness.Run("Conv", [x, w, null], Attribute.Of("pads", pads), Attribute.Of("strides", new long[] { 2, 2 }))[0];
            NnHarness.AssertClose(TensorConvert.ToDoubles(explicitY), y, 1e-6);
        }
    }

    [Fact]
    public void Conv_transpose_matches_scatter_definition()
    {
        Gen.Select(Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, 100000]).Sample((rank, group, cg, mg, seed) =>
        {
            var rng = new Random(seed);
            var input = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 5)).ToArray();
            var k = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
            var s = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
            var d = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 3)).ToArray();
            var pads = Enumerable.Range(0, 2 * rank).Select(i => rng.Next(0, 2)).ToArray();
            var outPad = Enumerable.Range(0, rank).Select(i => rng.Next(0, s[i])).ToArray();
            int C = group * cg, M = group * mg;
            var x = NnHarness.RandomDouble(rng, [1, C, .. input]);
            var w = NnHarness.RandomDouble(rng, [C, mg, .. k]);
            var od = Enumerable.Range(0, rank).Select(i => s[i] * (input[i] - 1) + outPad[i] + (k[i] - 1) * d[i] + 1 - pads[i] - pads[rank + i]).ToArray();
            if (od.Any(v => v <= 0)) return;
            var y = NnHarness.Run("ConvTranspose", [x, w], Attribute.Of("group", (long)group), Attribute.Of("strides", s.Select(v => (long)v).ToArray()),
                Attribute.Of("dilations", d.Select(v => (long)v).ToArray()), Attribute.Of("pads", pads.Select(v => (long)v).ToArray()),
                Attribute.Of("output_padding", outPad.Select(v => (long)v).ToArray()))[0];
            Assert.Equal([1, M, .. od], y.Shape);
            int isz = input.Aggregate(1, (p, v) => p * v), ksz = k.Aggregate(1, (p, v) => p * v), osz = od.Aggregate(1, (p, v) => p * v);
            var expected = new double[M * osz];
            var ic = new int[rank];
            var kc = new int[rank];
            for (int ci = 0; ci < C; ci++)
                for (int ip = 0; ip < isz; ip++)
                    for (int m = 0; m < mg; m++)
                        for (int kp = 0; kp < ksz; kp++)
                        {
                            Decode(ip, input, ic);
                            Decode(kp, k, kc);
                            int flat = 0;
                            bool inside = true;
                            for (int q = 0; q < rank; q++)
                            {
                                int o = ic[q] * s[q] - pads[q] + kc[q] * d[q];
                                if (o < 0 || o >= od[q]) inside = false;
                                flat = flat * od[q] + o;
                            }
                            if (!inside) continue;
                            int mo = ci / cg * mg + m;
                            expected[mo * osz + flat] += x[ci * isz + ip] * w[(ci * mg + m) * ksz + kp];
                        }
            NnHarness.AssertClose(expected, y, 1e-9);
        }, iter: 100);
    }

    [Fact]
    public void Conv_transpose_output_shape_and_same()
    {
        var x = NnHarness.Random(new Random(1), 1, 1, 3, 3);
        var w = NnHarness.Random(new Random(2), 1, 2, 3, 3);
        var y = NnHarness.Run("ConvTranspose", [x, w], Attribute.Of("strides", new long[] { 3, 2 }), Attribute.Of("output_shape", new long[] { 10, 8 }))[0];
        Assert.Equal(new[] { 1, 2, 10, 8 }, y.Shape);
        var natural = NnHarness.Run("ConvTranspose", [x, w], Attribute.Of("strides", new long[] { 3, 2 }))[0];
        Assert.Equal(new[] { 1, 2, 9, 7 }, natural.Shape);
        // The extra row and column are zero; the rest is the natural output.
        var yd = TensorConvert.ToDoubles(y);
        var nd = TensorConvert.ToDoubles(natural);
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 10; i++)
                for (int j = 0; j < 8; j++)
                    Assert.Equal(i < 9 && j < 7 ? nd[(c * 9 + i) * 7 + j] : 0, yd[(c * 10 + i) * 8 + j], 5);
        var same = NnHarness.Run("ConvTranspose", [x, w], Attribute.Of("strides", new long[] { 2, 2 }), Attribute.Of("auto_pad", "SAME_UPPER"))[0];
        Assert.Equal(new[] { 1, 2, 6, 6 }, same.Shape);
    }
}
