using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Machine.Lowering;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A convolution whose weight is laid out [kh, kw, ci, co] (what RelayoutContractionWeights makes of a constant
/// weight where the output rows are short or strided) is a dot with the channels as columns: M = ow (the input packed
/// column-major, along ow), N = co (the weight's rows read in place), the [ow, co] product stored transposed into the
/// NCHW output. Random shapes (strides, dilations, pads, M and N tails, an epilogue through a temp), the default and
/// random configs, every target: the Machine interpreter gives the Tile interpreter's results.</summary>
public class ChannelColumnsTests
{
    private static TileKernel Conv(int n, int ci, int co, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw,
        int pt, int pl, int pb, int pr, bool epilogue)
    {
        int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        string row = $"add(mul(oh, {sh}), mul(kh, {dh}))", col = $"add(mul(ow, {sw}), mul(kw, {dw}))";
        string cond = $"and(and(ge({row}, {pt}), lt({row}, {h + pt})), and(ge({col}, {pl}), lt({col}, {w + pl})))";
        string target = epilogue ? "%acc" : "%out";
        string temp = epilogue ? $"temp %acc: f32[{n},{co},{oh},{ow}]" : "";
        string tail = epilogue ? "%out[n, co, oh, ow] = relu(add(%acc[n, co, oh, ow], %b[co]))" : "";
        return MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @conv(%x: f32[{{n}},{{ci}},{{h}},{{w}}], %wt: f32[{{kh}},{{kw}},{{ci}},{{co}}], %b: f32[{{co}}]) -> (%out: f32[{{n}},{{co}},{{oh}},{{ow}}]) {
              {{temp}}
              domain n = {{n}}, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce ci = {{ci}}, kh = {{kh}}, kw = {{kw}}
              {{target}}[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{cond}}, %x[n, ci, sub({{row}}, {{pt}}), sub({{col}}, {{pl}})], 0.0 : f32), %wt[kh, kw, ci, co])
              {{tail}}
            }
            """));
    }

    private static void CheckAgainstTile(TileKernel kernel, Config config, Target target, int seed) =>
        MachineLoweringCheck.CheckAgainstTile(kernel, config, target, seed);

    [Fact]
    public void AShortRowConvIsATransposedDotOfOutputPositionsByChannels()
    {
        // resnet50's late 3×3 convs: 7×7 outputs, 32 channels here.
        var kernel = Conv(1, 8, 32, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, epilogue: true);
        var c = kernel.Computations[0];
        var roles = DotShape.DefaultRoles(c, a => kernel.Axis(a).Extent)!;
        Assert.True(roles.Transposed);
        Assert.Equal(("ow", "co", "ci"), (roles.M, roles.N, roles.K));
        var space = KnobSpace.For(kernel);
        var sch = space.Resolve(space.Default());
        var shape = DotShape.Find(c, a => sch.Block(a))!;
        Assert.True(shape.Transposed);
        Assert.Equal(("ow", "co"), (shape.M, shape.N));
        // The input block is packed column-major with vector loads along ow: no scalar gather along ci.
        var machine = BlockToMachine.Lower(TileToBlock.Lower(kernel, space.Default()), space.Default(), Target.Get("x86-64-avx512"));
        Assert.Contains(MachinePrinter.Print(machine).Split('\n'), l => l.Contains("= load %x[") && l.Contains(": v16f32"));
        CheckAgainstTile(kernel, space.Default(), Target.Get("x86-64-avx512"), 3);
    }

    [Fact]
    public void AnyChannelColumnsConvComputesTheSameOnEveryTarget()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = r.Next(1, 3), ci = r.Next(1, 9), co = r.Next(2) == 0 ? 16 * r.Next(1, 3) : r.Next(2, 20), h = r.Next(1, 8), w = r.Next(1, 20);
            int kh = r.Next(1, 4), kw = r.Next(1, 4), sh = r.Next(1, 3), sw = r.Next(1, 3), dh = r.Next(1, 3), dw = r.Next(1, 3);
            int pt = r.Next(0, 3), pl = r.Next(0, 3), pb = r.Next(0, 3), pr = r.Next(0, 3);
            if (h + pt + pb - dh * (kh - 1) < 1 || w + pl + pr - dw * (kw - 1) < 1) return;
            var kernel = Conv(n, ci, co, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, epilogue: r.Next(2) == 0);
            var space = KnobSpace.For(kernel);
            foreach (var config in new[] { space.Default(), space.Random(r) })
            {
                Assert.True(space.IsLegal(config, out var why), why);
                foreach (var target in Target.Known) CheckAgainstTile(kernel, config, target, seed);
            }
        }, iter: 40);
    }

    [Fact]
    public void AWideWeightOnASmallPlaneTakesSeveralOutputRowsPerProgram()
    {
        // resnet50's res5 3×3 convs (512 → 512 on 7×7): the default's weight block per program (128 channels × every
        // ci, kh, kw) is far beyond L2, so a program covers the whole 7-row plane as one dot of 49 positions per step.
        var kernel = Conv(1, 512, 512, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, epilogue: true);
        var c = kernel.Computations[0];
        var space = KnobSpace.For(kernel);
        var sch = space.Resolve(space.Default());
        Assert.Equal(7, sch.Block("oh"));
        var shape = DotShape.Find(c, a => sch.Block(a), a => kernel.Axis(a).Extent)!;
        Assert.Equal(("ow", "co", "oh"), (shape.M, shape.N, shape.Rows));
        // Without the extents (or a row block that does not divide the rows) it is no dot.
        Assert.Null(DotShape.Find(c, a => sch.Block(a)));
        // A small weight keeps one row per program: it stays in L2 from one program to the next.
        var small = Conv(1, 16, 32, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, epilogue: false);
        var smallSpace = KnobSpace.For(small);
        Assert.Equal(1, smallSpace.Resolve(smallSpace.Default()).Block("oh"));
    }

    [Fact]
    public void AnyChannelColumnsConvOverSeveralRowsComputesTheSameOnEveryTarget()
    {
        // Small planes (odd sizes), pads, strides 1–2, ci ≥ 16, co a multiple of 16, with a row block (a divisor of the
        // output rows, > 1) forced on the default: the stacked [R·ow, ci] input block and the [R, ow, co] store; the k
        // loop unrolled 1, 2 or 4 times (the default unrolls stacked rows of 7×7 and 6×6 planes 4 times), ci = 16…20
        // leaving a remainder of 0–3 steps.
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = 1, ci = r.Next(16, 21), co = 16 * r.Next(1, 3), h = 2 * r.Next(2, 6) + 1, w = h;
            int k = r.Next(2) == 0 ? 3 : 1, s = r.Next(1, 3), p = k == 3 ? r.Next(0, 2) : 0;
            var kernel = Conv(n, ci, co, h, w, k, k, s, s, 1, 1, p, p, p, p, epilogue: r.Next(2) == 0);
            var roles = DotShape.DefaultRoles(kernel.Computations[0], a => kernel.Axis(a).Extent);
            if (roles is not { Transposed: true }) return;
            var space = KnobSpace.For(kernel);
            long oh = kernel.Axis("oh").Extent;
            var rows = space.BlockCandidates("oh").Where(v => v > 1 && oh % v == 0).ToArray();
            if (rows.Length == 0) return;
            var config = space.Default().With("block.oh", rows[r.Next(rows.Length)])
                .With(KnobNames.Unroll, KnobSpace.UnrollValues[r.Next(KnobSpace.UnrollValues.Length)]);
            Assert.True(space.IsLegal(config, out var why), why);
            var sch = space.Resolve(config);
            Assert.Equal("oh", DotShape.Find(kernel.Computations[0], a => sch.Block(a), a => kernel.Axis(a).Extent)?.Rows);
            foreach (var target in Target.Known) CheckAgainstTile(kernel, config, target, seed);
        }, iter: 12);
    }

    [Fact]
    public void TheDefaultBlocksOfAChannelColumnsConvTileItsChannelsExactly()
    {
        // inception_v2's 14×14 and 7×7 convs: 160- and 192-channel inputs and 160- and 224-channel outputs. A block
        // that does not divide its axis is a full dot over masked operands: K 192 took 128 + 128, N 160 took 64 · 3.
        foreach (var (ci, co, k, n) in new[] { (192, 160, 192L, 80L), (160, 224, 160L, 112L), (320, 320, 160L, 64L), (256, 256, 128L, 128L) })
        {
            var kernel = Conv(1, ci, co, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, epilogue: true);
            var space = KnobSpace.For(kernel);
            var sch = space.Resolve(space.Default());
            Assert.Equal((k, n), ((long)sch.Block("ci"), (long)sch.Block("co")));
        }
    }

    [Fact]
    public void AnyChannelColumnsConvWithDividingBlocksComputesTheSameOnEveryTarget()
    {
        // Channel counts whose default blocks are the new divisors (ci 160 or 192 → K = ci; co 160 → N = 80), with and
        // without stacked rows, strides 1–2: the default config against the Tile interpreter on every target.
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int ci = r.Next(2) == 0 ? 160 : 192, co = 160, h = r.Next(2, 6), k = r.Next(2) == 0 ? 3 : 1, s = r.Next(1, 3), p = k == 3 ? 1 : 0;
            var kernel = Conv(1, ci, co, h, h, k, k, s, s, 1, 1, p, p, p, p, epilogue: r.Next(2) == 0);
            if (DotShape.DefaultRoles(kernel.Computations[0], a => kernel.Axis(a).Extent) is not { Transposed: true }) return;
            var space = KnobSpace.For(kernel);
            var config = r.Next(2) == 0 || kernel.Axis("oh").Extent < 2 ? space.Default() : space.Default().With("block.oh", kernel.Axis("oh").Extent);
            Assert.True(space.IsLegal(config, out var why), why);
            var sch = space.Resolve(config);
            Assert.Equal((0L, 0L), (ci % (long)sch.Block("ci"), co % (long)sch.Block("co")));
            foreach (var target in Target.Known) CheckAgainstTile(kernel, config, target, seed);
        }, iter: 4);
    }
}
