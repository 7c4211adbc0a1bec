using CsCheck;
using Strata.Block.Text;
using Strata.Tile;

namespace Strata.Block.Tests.Lowering;

/// <summary>Convolutions (sums of products over ci, kh, kw of a padded input and a weight) lower to <c>dot</c> under the
/// default config, for any shape, and compute what the Tile interpreter computes.</summary>
public class ConvLoweringTests
{
    private static IEnumerable<BlockOp> AllOps(IEnumerable<BlockOp> ops) =>
        ops.SelectMany(o => o is ForOp f ? AllOps(f.Body).Prepend(o) : [o]);

    private static bool HasDot(BlockKernel k) => AllOps(k.Body).Any(o => o is DotOp);

    /// <summary>Tile text of a 2-D NCHW convolution (group 1) with strides, dilations and pads (top, left, bottom, right).</summary>
    internal static string Conv2d(int n, int ci, int co, int h, int w, int kh, int kw,
        int sh = 1, int sw = 1, int dh = 1, int dw = 1, int pt = 0, int pl = 0, int pb = 0, int pr = 0)
    {
        int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        string row = $"add(mul(oh, {sh}), mul(kh, {dh}))", col = $"add(mul(ow, {sw}), mul(kw, {dw}))";
        string cond = $"and(and(ge({row}, {pt}), lt({row}, {h + pt})), and(ge({col}, {pl}), lt({col}, {w + pl})))";
        return $$"""
            tile.kernel @conv(%x: f32[{{n}},{{ci}},{{h}},{{w}}], %wt: f32[{{co}},{{ci}},{{kh}},{{kw}}]) -> (%out: f32[{{n}},{{co}},{{oh}},{{ow}}]) {
              domain n = {{n}}, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce ci = {{ci}}, kh = {{kh}}, kw = {{kw}}
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{cond}}, %x[n, ci, sub({{row}}, {{pt}}), sub({{col}}, {{pl}})], 0.0 : f32), %wt[co, ci, kh, kw])
            }
            """;
    }

    /// <summary>Tile text of a grouped 2-D NCHW convolution, <paramref name="groups"/> groups of <paramref name="cg"/> input
    /// and <paramref name="mg"/> output channels: the input channel is <c>floordiv(co, mg)·cg + ci</c>, as Conv lowers it.</summary>
    internal static string GroupedConv2d(int n, int groups, int cg, int mg, int h, int w, int kh, int kw,
        int sh = 1, int sw = 1, int pt = 0, int pl = 0, int pb = 0, int pr = 0)
    {
        int oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1, ci = groups * cg, co = groups * mg;
        string row = $"add(mul(oh, {sh}), kh)", col = $"add(mul(ow, {sw}), kw)";
        string cond = $"and(and(ge({row}, {pt}), lt({row}, {h + pt})), and(ge({col}, {pl}), lt({col}, {w + pl})))";
        return $$"""
            tile.kernel @grouped(%x: f32[{{n}},{{ci}},{{h}},{{w}}], %wt: f32[{{co}},{{cg}},{{kh}},{{kw}}]) -> (%out: f32[{{n}},{{co}},{{oh}},{{ow}}]) {
              domain n = {{n}}, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce ci = {{cg}}, kh = {{kh}}, kw = {{kw}}
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{cond}}, %x[n, add(mul(floordiv(co, {{mg}}), {{cg}}), ci), sub({{row}}, {{pt}}), sub({{col}}, {{pl}})], 0.0 : f32), %wt[co, ci, kh, kw])
            }
            """;
    }

    [Fact]
    public void AGroupedConvIsOneDotPerGroupBlockOfOutputChannels()
    {
        // alexnet's second conv: 2 groups of 48 → 128 channels, 5×5, pads 2.
        var kernel = LoweringCheck.Parse(GroupedConv2d(1, 2, 48, 128, 27, 27, 5, 5, pt: 2, pl: 2, pb: 2, pr: 2));
        var s = KnobSpace.For(kernel);
        var sch = s.Resolve(s.Default());
        Assert.Equal((48, 1, 1, 27), (sch.Block("ci"), sch.Block("kh"), sch.Block("kw"), sch.Block("ow")));
        Assert.True(sch.Block("co") > 1 && 128 % sch.Block("co") == 0, $"co block {sch.Block("co")}");
        var lowered = TileToBlock.Lower(sch);
        Assert.True(HasDot(lowered));
        // The input block is read at the group of the block's first output channel: no index block of co feeds it.
        var load = BlockPrinter.Print(lowered).Split('\n').Single(l => l.Contains("= load %x["));
        Assert.DoesNotContain("co", load.Split('[')[1]);
    }

    [Fact]
    public void AGroupWidthThatIsNoPowerOfTwoIsABlockCandidateOfTheRows()
    {
        // shufflenet's 1×1 group convs: 3 groups of 80 output channels; a block of 80 keeps each in one group.
        var kernel = LoweringCheck.Parse(GroupedConv2d(1, 3, 80, 80, 4, 28, 1, 1));
        var s = KnobSpace.For(kernel);
        Assert.Contains(80L, s.BlockCandidates("co"));
        var sch = s.Resolve(s.Default());
        Assert.Equal(80, sch.Block("co"));
        Assert.True(HasDot(TileToBlock.Lower(sch)));
    }

    [Fact]
    public void AnyGroupedConvComputesTheSameUnderTheDefaultAndRandomConfigs()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = r.Next(1, 3), groups = r.Next(2, 5), cg = r.Next(1, 5), mg = r.Next(2, 9), h = r.Next(1, 7), w = r.Next(1, 12);
            int kh = r.Next(1, 4), kw = r.Next(1, 4), sh = r.Next(1, 3), sw = r.Next(1, 3);
            int pt = r.Next(0, 2), pl = r.Next(0, 2), pb = r.Next(0, 2), pr = r.Next(0, 2);
            if (h + pt + pb - kh < 0 || w + pl + pr - kw < 0) return;
            var kernel = LoweringCheck.Parse(GroupedConv2d(n, groups, cg, mg, h, w, kh, kw, sh, sw, pt, pl, pb, pr));
            var s = KnobSpace.For(kernel);
            var config = s.Default();
            Assert.True(s.IsLegal(config, out var why), why);
            var lowered = LoweringCheck.Check(kernel, config, LoweringCheck.RandomInputs(kernel, seed), seed: seed);
            // Narrower groups (fewer than DotShape.MinGroupRows channels) are stepped as a vector loop by default.
            Assert.True(HasDot(lowered) || mg < DotShape.MinGroupRows, $"no dot under {config}");
            // Any legal config: a co block that straddles groups is no dot but computes the same.
            LoweringCheck.Check(kernel, s.Random(r), LoweringCheck.RandomInputs(kernel, seed + 1), seed: seed);
        }, iter: 60);
    }

    /// <summary>Tile text of a depthwise 2-D convolution with a depth multiplier: output channel co reads input channel
    /// floordiv(co, mult).</summary>
    internal static string DepthwiseConv2d(int n, int c, int mult, int h, int w, int kh, int kw, int sh = 1, int sw = 1, int pt = 0, int pl = 0, int pb = 0, int pr = 0)
    {
        int oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1, co = c * mult;
        string row = $"add(mul(oh, {sh}), kh)", col = $"add(mul(ow, {sw}), kw)";
        string cond = $"and(and(ge({row}, {pt}), lt({row}, {h + pt})), and(ge({col}, {pl}), lt({col}, {w + pl})))";
        return $$"""
            tile.kernel @depthwise(%x: f32[{{n}},{{c}},{{h}},{{w}}], %wt: f32[{{co}},1,{{kh}},{{kw}}]) -> (%out: f32[{{n}},{{co}},{{oh}},{{ow}}]) {
              domain n = {{n}}, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce kh = {{kh}}, kw = {{kw}}
              %out[n, co, oh, ow] = sum[kh, kw] mul(select({{cond}}, %x[n, floordiv(co, {{mult}}), sub({{row}}, {{pt}}), sub({{col}}, {{pl}})], 0.0 : f32), %wt[co, 0, kh, kw])
            }
            """;
    }

    [Fact]
    public void ADepthwiseConvWritesItsTapsOutUnderTheDefault()
    {
        var kernel = LoweringCheck.Parse(DepthwiseConv2d(1, 4, 1, 9, 20, 3, 3, pt: 1, pl: 1, pb: 1, pr: 1));
        var lowered = LoweringCheck.Check(kernel, KnobSpace.For(kernel).Default(), LoweringCheck.RandomInputs(kernel, 7));
        // Nine multiply-adds of [oh, ow] blocks, no loop over kh or kw carrying the block.
        Assert.DoesNotContain(AllOps(lowered.Body), o => o is ForOp f && (f.InductionVar.Name.StartsWith("kh") || f.InductionVar.Name.StartsWith("kw")));
        Assert.Equal(9, AllOps(lowered.Body).Count(o => o is LoadOp l && l.Param == "x"));
    }

    [Fact]
    public void AnyDepthwiseConvComputesTheSameUnrolledOrLooped()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = r.Next(1, 3), c = r.Next(1, 5), mult = r.Next(1, 3), h = r.Next(1, 8), w = r.Next(1, 20);
            int kh = r.Next(1, 6), kw = r.Next(1, 8), sh = r.Next(1, 3), sw = r.Next(1, 3);
            int pt = r.Next(0, 3), pl = r.Next(0, 3), pb = r.Next(0, 3), pr = r.Next(0, 3);
            if (h + pt + pb - kh < 0 || w + pl + pr - kw < 0) return;
            var kernel = LoweringCheck.Parse(DepthwiseConv2d(n, c, mult, h, w, kh, kw, sh, sw, pt, pl, pb, pr));
            var s = KnobSpace.For(kernel);
            LoweringCheck.Check(kernel, s.Default(), LoweringCheck.RandomInputs(kernel, seed), seed: seed);
            LoweringCheck.Check(kernel, s.Random(r), LoweringCheck.RandomInputs(kernel, seed + 1), seed: seed);
        }, iter: 60);
    }

    [Fact]
    public void DefaultOfAResnet3x3ConvIsOneDotPerOutputRowOverAllChannels()
    {
        var kernel = LoweringCheck.Parse(Conv2d(1, 64, 64, 56, 56, 3, 3, pt: 1, pl: 1, pb: 1, pr: 1));
        var s = KnobSpace.For(kernel);
        var sch = s.Resolve(s.Default());
        Assert.Equal((64, 1, 1, 64, 1, 56), (sch.Block("ci"), sch.Block("kh"), sch.Block("kw"), sch.Block("co"), sch.Block("oh"), sch.Block("ow")));
        Assert.Equal("ow", sch.Vector);
        Assert.True(sch.Grid.Aggregate(1L, (p, g) => p * g) >= 4);
        Assert.True(HasDot(TileToBlock.Lower(sch)));
    }

    [Fact]
    public void ALargeReductionBlockIsLegalForADot()
    {
        // The largest of M·K, K·N, M·N (64·256) fits 2^16; the product block M·N·K (2^20) would not.
        var kernel = LoweringCheck.Parse(Conv2d(1, 256, 64, 4, 64, 3, 3, pt: 1, pl: 1, pb: 1, pr: 1));
        var s = KnobSpace.For(kernel);
        var c = s.Default().With("block.ci", 256).With("block.co", 64).With("block.ow", 64).With("block.kh", 1).With("block.kw", 1);
        Assert.True(s.IsLegal(c, out var why), why);
        Assert.True(HasDot(TileToBlock.Lower(s.Resolve(c))));
        // With a second wide reduction block it is no dot: the product block counts, over the budget.
        Assert.False(s.IsLegal(c.With("block.kh", 2), out why));
        Assert.Contains("more than the budget", why);
    }

    [Fact]
    public void LoweredConvUnderTheDefault()
    {
        var kernel = LoweringCheck.Parse(LoweringKernels.StridedConv2d);
        var lowered = LoweringCheck.Check(kernel, KnobSpace.For(kernel).Default(), LoweringCheck.RandomInputs(kernel, 5));
        Assert.True(HasDot(lowered));
        Golden.Check("lower/conv2d", BlockPrinter.Print(lowered));
    }

    [Fact]
    public void DepthwiseConvStepsKhKwOverVectorsAlongOw()
    {
        var kernel = LoweringCheck.Parse(LoweringKernels.DepthwiseConv2d);
        var s = KnobSpace.For(kernel);
        var sch = s.Resolve(s.Default());
        Assert.Equal("ow", sch.Vector);
        Assert.Equal((1, 1, 1, 7), (sch.Block("kh"), sch.Block("kw"), sch.Block("c"), sch.Block("ow")));
        var lowered = LoweringCheck.Check(kernel, s.Default(), LoweringCheck.RandomInputs(kernel, 3));
        Assert.False(HasDot(lowered));
        // No reduce op: each (kh, kw) step is a multiply-add of [oh, ow] blocks, the kind the Machine level vectorises.
        Assert.DoesNotContain(AllOps(lowered.Body), o => o is ReduceBlockOp);
    }

    [Fact]
    public void AnyConvLowersToADotAndComputesTheSameUnderTheDefault()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = r.Next(1, 3), ci = r.Next(1, 10), co = r.Next(1, 10), h = r.Next(1, 8), w = r.Next(1, 20);
            int kh = r.Next(1, 4), kw = r.Next(1, 4), sh = r.Next(1, 3), sw = r.Next(1, 3), dh = r.Next(1, 3), dw = r.Next(1, 3);
            int pt = r.Next(0, 3), pl = r.Next(0, 3), pb = r.Next(0, 3), pr = r.Next(0, 3);
            if (h + pt + pb - dh * (kh - 1) < 1 || w + pl + pr - dw * (kw - 1) < 1) return;
            var kernel = LoweringCheck.Parse(Conv2d(n, ci, co, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr));
            var s = KnobSpace.For(kernel);
            var config = s.Default();
            Assert.True(s.IsLegal(config, out var why), why);
            var lowered = LoweringCheck.Check(kernel, config, LoweringCheck.RandomInputs(kernel, seed), seed: seed);
            Assert.True(HasDot(lowered), $"no dot under {config}");
        }, iter: 60);
    }

    /// <summary>A 1×1 conv with an epilogue reading the sum (a bias per channel, a ReLU), as fusion forms it.</summary>
    private static string Conv1x1WithEpilogue(int n, int ci, int co, int h, int w, int sh, int sw)
    {
        int oh = (h - 1) / sh + 1, ow = (w - 1) / sw + 1;
        string row = sh == 1 ? "oh" : $"mul(oh, {sh})", col = sw == 1 ? "ow" : $"mul(ow, {sw})";
        return $$"""
            tile.kernel @conv(%x: f32[{{n}},{{ci}},{{h}},{{w}}], %wt: f32[{{co}},{{ci}},1,1], %b: f32[{{co}}]) -> (%out: f32[{{n}},{{co}},{{oh}},{{ow}}]) {
              temp %acc: f32[{{n}},{{co}},{{oh}},{{ow}}]
              domain n = {{n}}, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce ci = {{ci}}, kh = 1, kw = 1
              %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[n, ci, {{row}}, {{col}}], %wt[co, ci, kh, kw])
              %out[n, co, oh, ow] = relu(add(%acc[n, co, oh, ow], %b[co]))
            }
            """;
    }

    [Theory]
    [InlineData(13, 13, 512, 1000, "169", "256", "250")]
    [InlineData(14, 14, 480, 208, "196", "240", "52")]
    [InlineData(7, 7, 2048, 512, "49", "256", "128")]
    [InlineData(56, 56, 64, 256, "64", "64", "128")]
    public void TheDefaultOfA1x1ConvKeepsASmallPlaneWholeWithTheMatmulsBlocks(int h, int w, int ci, int co, string plane, string kBlock, string mBlock)
    {
        // A small plane is one N block (no program gets a masked sliver of it) with the matmul's K and M blocks (K a
        // divisor where 256 leaves a tail: 480 as 2 · 240); a large one keeps 64-wide column blocks that run in parallel,
        // with up to 128 rows (KnobSpace.PointwiseMaxM).
        var kernel = new Strata.Tile.Passes.MergeContiguousAxes().Run(LoweringCheck.Parse(Conv1x1WithEpilogue(1, ci, co, h, w, 1, 1)));
        var s = KnobSpace.For(kernel);
        var config = s.Default();
        var planeClass = s.Classes.All.Single(c => c.Contains('_', StringComparison.Ordinal));
        Assert.Equal(plane, config.Values[$"block.{planeClass}"]);
        Assert.Equal(kBlock, config.Values["block.ci"]);
        Assert.Equal(mBlock, config.Values["block.co"]);
        Assert.Equal(h * w > 320, config.Values["parallel"].Contains(planeClass, StringComparison.Ordinal));
        Assert.True(HasDot(TileToBlock.Lower(kernel, config)));
    }

    [Fact]
    public void AnySmallPlane1x1ConvsDefaultRowBlockDividesMWhereItCanAndComputesTheSame()
    {
        // A row block that does not divide M (co) masks the last block, and its epilogue goes through scratch; the
        // default takes a divisor of M at least half the block (not below 16 rows) where one exists.
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int ci = r.Next(1, 24), co = r.Next(17, 400), h = r.Next(1, 10), w = r.Next(1, 10);
            var kernel = LoweringCheck.Parse(Conv1x1WithEpilogue(1, ci, co, h, w, 1, 1));
            var merged = new Strata.Tile.Passes.MergeContiguousAxes().Run(kernel);
            var s = KnobSpace.For(merged);
            var config = s.Default();
            long m = long.Parse(config.Values["block.co"], System.Globalization.CultureInfo.InvariantCulture);
            bool divisorExists = Enumerable.Range(16, 241).Any(v => v <= m && co % v == 0 && 2 * v >= m);
            Assert.True(co % m == 0 || !divisorExists, $"co {co}: block {m} leaves a tail though a divisor fits ({config})");
            var inputs = LoweringCheck.RandomInputs(kernel, seed);
            var expected = TileInterpreter.Run(kernel, inputs);
            var lowered = TileToBlock.Lower(merged, config);
            Assert.True(HasDot(lowered), $"no dot under {config}");
            var args = inputs.Select((t, i) => Strata.Tile.Execution.TileProgramExecutor.AsShaped(t, merged.Inputs[i].Shape)).ToArray();
            var actual = BlockInterpreter.Call(lowered, args, new BlockRunOptions(ProgramOrder.Shuffled, seed));
            var output = Strata.Tile.Execution.TileProgramExecutor.AsShaped(actual[0], [.. expected[0].Shape.Select(d => (long)d)]);
            Assert.Null(LoweringCheck.Compare(expected[0], output, 1e-5));
        }, iter: 30);
    }

    [Fact]
    public void A1x1ConvMergesOhAndOwIntoOneNAxisAndComputesTheSame()
    {
        // Stride 1: (oh, ow) become one axis and the buffers one dim; a stride keeps them (the input is not contiguous).
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int n = r.Next(1, 3), ci = r.Next(1, 12), co = r.Next(1, 12), h = r.Next(1, 12), w = r.Next(1, 20);
            int sh = r.Next(2) == 0 ? 1 : r.Next(1, 3), sw = r.Next(2) == 0 ? 1 : r.Next(1, 3);
            var kernel = LoweringCheck.Parse(Conv1x1WithEpilogue(n, ci, co, h, w, sh, sw));
            var merged = new Strata.Tile.Passes.MergeContiguousAxes().Run(kernel);
            Assert.Equal(sh == 1 && sw == 1, merged.Axes.Length == kernel.Axes.Length - 1);
            var inputs = LoweringCheck.RandomInputs(kernel, seed);
            var expected = TileInterpreter.Run(kernel, inputs);
            var s = KnobSpace.For(merged);
            var lowered = TileToBlock.Lower(merged, s.Default());
            Assert.True(HasDot(lowered), $"no dot under {s.Default()}");
            var args = inputs.Select((t, i) => Strata.Tile.Execution.TileProgramExecutor.AsShaped(t, merged.Inputs[i].Shape)).ToArray();
            var actual = BlockInterpreter.Call(lowered, args, new BlockRunOptions(ProgramOrder.Shuffled, seed));
            var output = Strata.Tile.Execution.TileProgramExecutor.AsShaped(actual[0], [.. expected[0].Shape.Select(d => (long)d)]);
            Assert.Null(LoweringCheck.Compare(expected[0], output, 1e-5));
        }, iter: 60);
    }
}
