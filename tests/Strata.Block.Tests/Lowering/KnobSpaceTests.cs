using CsCheck;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Block.Tests.Lowering;

public class KnobSpaceTests
{
    private static KnobSpace Space(string text) => KnobSpace.For(LoweringCheck.Parse(text));

    private const string Small = """
        tile.kernel @small(%x: f32[2,3]) -> (%out: f32[2,3]) {
          domain i = 2, j = 3
          %out[i, j] = exp(%x[i, j])
        }
        """;

    [Fact]
    public void KnobsAndDefaultOfMatmulPrintAndParseBack()
    {
        var s = Space(LoweringKernels.MatmulBiasGelu);
        var text = TilePrinter.Print(s.Kernel, s.Knobs, s.Default());
        Golden.Check("lower/knobs_matmul", text);
        var parsed = TileParser.Parse(text);
        Assert.Equal(s.Knobs.Select(k => (k.Name, string.Join(",", k.Values))), parsed.Knobs.Select(k => (k.Name, string.Join(",", k.Values))));
        Assert.Equal(s.Default(), parsed.Config);
    }

    [Fact]
    public void SoftmaxAxesLinkedThroughTempsFormOneParallelClass()
    {
        var s = Space(LoweringKernels.Softmax);
        Assert.Equal(["i3", "i4"], s.Classes.Output.AsEnumerable());
        Assert.Equal(["k0", "k"], s.Classes.Reduce.AsEnumerable());
        Assert.Equal(["i3", "i2", "i0", "i"], s.Classes.Members("i3").AsEnumerable());
        Assert.Equal(["i3"], s.Classes.ParallelCandidates.AsEnumerable());
        Assert.Contains("not indexed by i4", s.Classes.ParallelProblem("i4"));
        Assert.Contains("reduction", s.Classes.ParallelProblem("k"));
    }

    [Fact]
    public void ATempReadAlongAReductionAxisBlocksParallelismOfThatDim()
    {
        // %var reads %cent[i, k0]: the j dimension of %cent is read with a reduction axis, so j cannot be parallel.
        var s = Space(LoweringKernels.LayerNorm);
        Assert.Equal(["i"], s.Classes.ParallelCandidates.AsEnumerable());
        Assert.NotNull(s.Classes.ParallelProblem("j"));
    }

    [Fact]
    public void DefaultSplitsALargeKernelIntoEnoughPrograms()
    {
        // i and j parallel with blocks of 16 give 16 programs; halving both reaches the target 64 (programs of 8·8·64).
        var s = Space("""
            tile.kernel @big(%x: f32[64,64,64]) -> (%out: f32[64,64,64]) {
              domain i = 64, j = 64, k = 64
              %out[i, j, k] = exp(%x[i, j, k])
            }
            """);
        var sch = s.Resolve(s.Default());
        Assert.Equal([KnobSpace.DefaultProgramTarget / 8, 8], sch.Grid.AsEnumerable());
        Assert.Equal((8, 8, 64), (sch.Block("i"), sch.Block("j"), sch.Block("k")));
    }

    [Fact]
    public void DefaultMakesTheInnermostAxisParallelWhenTheOthersAreTooShort()
    {
        var s = Space("""
            tile.kernel @row(%x: f32[1,4096]) -> (%out: f32[1,4096]) {
              domain i = 1, j = 4096
              %out[i, j] = exp(%x[i, j])
            }
            """);
        var sch = s.Resolve(s.Default());
        Assert.True(sch.IsParallel("j"));
        Assert.Equal(64, sch.Block("j"));
    }

    /// <summary>A conv's padded copy (a kernel without reductions) takes its row whole where it is at most four
    /// default blocks (226, not 3 · 64 + 34) and rows by a divisor (226 = 113 · 2, not 14 · 16 + 2), so no program
    /// runs masked accesses; a row over four blocks keeps its default block.</summary>
    [Theory]
    [InlineData(64, 224, 226)]
    [InlineData(256, 56, 58)]
    [InlineData(8, 298, 64)]
    public void APadTakesWholeRowsAndDividingRowBlocks(int channels, int size, long row)
    {
        int padded = size + 2;
        var s = Space($$"""
            tile.kernel @pad(%x: f32[1,{{channels}},{{size}},{{size}}]) -> (%out: f32[1,{{channels}},{{padded}},{{padded}}]) {
              domain i = 1, i0 = {{channels}}, i1 = {{padded}}, i2 = {{padded}}
              %out[i, i0, i1, i2] = select(and(and(ge(i1, 1), lt(i1, {{size + 1}})), and(ge(i2, 1), lt(i2, {{size + 1}}))), %x[0, i0, sub(i1, 1), sub(i2, 1)], 0.0 : f32)
            }
            """);
        var config = s.Default();
        Assert.True(s.IsLegal(config, out var why), why);
        Assert.Equal(row, config.GetInt("block.i2", 0));
        Assert.Equal(0, padded % config.GetInt("block.i1", 0));
    }

    /// <summary>A 2×2/2 max pool whose result a fused Pad copies out loops over the pool's rows and columns in each
    /// program (the kernel's innermost class is the padded row): its row (112, 56) is taken whole and its rows by a
    /// divisor, not 32-blocks with a masked tail (112 = 3 · 32 + 16) where every load is a ranged strided load; the
    /// padded row (114, 58) is taken whole too (not 64 + 50).</summary>
    [Theory]
    [InlineData(64, 112)]
    [InlineData(128, 56)]
    public void APoolBeforeAPadTakesItsWholeRowAndDividingRows(int channels, int size)
    {
        int padded = size + 2;
        var s = Space($$"""
            tile.kernel @poolpad(%x: f32[1,{{channels}},{{2 * size}},{{2 * size}}]) -> (%out: f32[1,{{channels}},{{padded}},{{padded}}]) {
              temp %max: f32[1,{{channels}},{{size}},{{size}}]
              domain n = 1, c = {{channels}}, oh = {{size}}, ow = {{size}}
              reduce kh = 2, kw = 2
              domain i = 1, i1 = {{padded}}, i2 = {{padded}}
              %max[n, c, oh, ow] = max[kh, kw] %x[0, c, add(mul(oh, 2), kh), add(mul(ow, 2), kw)]
              %out[i, c, i1, i2] = select(and(and(ge(i1, 1), lt(i1, {{size + 1}})), and(ge(i2, 1), lt(i2, {{size + 1}}))), %max[0, c, sub(i1, 1), sub(i2, 1)], 0.0 : f32)
            }
            """);
        var config = s.Default();
        Assert.True(s.IsLegal(config, out var why), why);
        Assert.Equal(size, config.GetInt("block.ow", 0));
        Assert.Equal(0, size % config.GetInt("block.oh", 0));
        Assert.Equal(padded, config.GetInt("block.i2", 0));
    }

    /// <summary>A 2×2/2 max pool's output row (its innermost class, the vector row) of 112 is taken whole, not 64 + 48;
    /// one of 448 (over four default blocks) keeps 64.</summary>
    [Theory]
    [InlineData(112, 112)]
    [InlineData(56, 56)]
    [InlineData(448, 64)]
    public void APoolTakesItsWholeRow(int size, long row)
    {
        var s = Space($$"""
            tile.kernel @pool(%x: f32[1,8,{{2 * size}},{{2 * size}}]) -> (%out: f32[1,8,{{size}},{{size}}]) {
              domain n = 1, c = 8, oh = {{size}}, ow = {{size}}
              reduce kh = 2, kw = 2
              %out[n, c, oh, ow] = max[kh, kw] %x[0, c, add(mul(oh, 2), kh), add(mul(ow, 2), kw)]
            }
            """);
        var config = s.Default();
        Assert.True(s.IsLegal(config, out var why), why);
        Assert.Equal(row, config.GetInt("block.ow", 0));
    }

    /// <summary>A stride-2 1×1 conv's input subsampled by its own kernel (a one-tap max pool of stride 2) blocks its rows
    /// like a pool: by a divisor of the 28 output rows, not 16 + a masked 12 (every load of a masked block is a ranged
    /// strided load). A plain elementwise kernel keeps its blocks.</summary>
    [Theory]
    [InlineData("mul(oh, 2)", "mul(ow, 2)", true)]
    [InlineData("oh", "ow", false)]
    public void ASubsamplingKernelsRowsDivideTheirExtent(string h, string w, bool subsample)
    {
        var s = Space($$"""
            tile.kernel @subsample(%x: f32[1,256,56,56]) -> (%out: f32[1,256,28,28]) {
              domain n = 1, c = 256, oh = 28, ow = 28
              reduce kh = 1, kw = 1
              %out[n, c, oh, ow] = max[kh, kw] %x[0, c, {{h}}, {{w}}]
            }
            """);
        var config = s.Default();
        Assert.True(s.IsLegal(config, out var why), why);
        long rows = long.Parse(config["block.oh"]!);
        Assert.Equal(subsample, 28 % rows == 0);
    }

    [Fact]
    public void DefaultOfAnEmptyAxisIsLegal()
    {
        var s = Space("""
            tile.kernel @empty(%x: f32[0,3]) -> (%out: f32[0,3]) {
              domain i = 0, j = 3
              %out[i, j] = exp(%x[i, j])
            }
            """);
        Assert.True(s.IsLegal(s.Default(), out var why), why);
    }

    [Fact]
    public void DefaultIsLegalAndReadable()
    {
        var s = Space(LoweringKernels.MatmulBiasGelu);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal("{block.k = 7, block.m = 10, block.n = 6, order = none, pack.w = none, pack.x = none, parallel = m*n, split.k = 1, unroll = 4, vector = n}", d.ToString());
        Assert.Equal(d, Config.Parse(d.ToString()));
    }

    [Fact]
    public void DefaultGivesBatchAxesOfAContractionBlockOne()
    {
        var s = Space(LoweringKernels.BatchedMatmul);
        Assert.Equal("1", s.Default()[KnobNames.Block("b")]);
    }

    [Fact]
    public void DefaultShrinksBlocksToTheBudget()
    {
        var k = LoweringCheck.Parse("""
            tile.kernel @big(%x: f32[512,512], %w: f32[512,512]) -> (%out: f32[512,512]) {
              domain m = 512, n = 512
              reduce k = 512
              %out[m, n] = sum[k] mul(%x[m, k], %w[k, n])
            }
            """);
        var s = KnobSpace.For(k, blockBudget: 4096);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        // A dot materialises [M, K], [K, N] and [M, N] blocks, never the M·N·K product: the largest must fit.
        long m = d.GetInt("block.m", 0), n = d.GetInt("block.n", 0), kb = d.GetInt("block.k", 0);
        Assert.True(Math.Max(Math.Max(m * kb, kb * n), m * n) <= 4096);
    }

    /// <summary>A grouped 1×1 conv (shufflenet's: 4 groups, merged plane): K takes a block that divides the group's
    /// input channels (136 whole, not 128 + a masked 8) and the plane a block of whole vectors that divides it (784 =
    /// 7 · 112, not 12 · 64 + 16; 49 whole); where no such block exists the default keeps 64 (196 = 3 · 64 + 4).</summary>
    [Theory]
    [InlineData(136, 49, 136, 49)]
    [InlineData(136, 784, 136, 112)]
    [InlineData(34, 784, 34, 112)]
    [InlineData(68, 196, 68, 64)]
    [InlineData(131, 3136, 131, 64)]
    public void AGroupedOneByOneConvTakesDividingKAndPlaneBlocks(int ci, int plane, long k, long n)
    {
        int cin = 4 * ci, cout = 4 * ci;
        var s = Space($$"""
            tile.kernel @gconv(%x: f32[1,{{cin}},{{plane}}], %w: f32[{{cout}},{{ci}},1,1]) -> (%out: f32[1,{{cout}},{{plane}}]) {
              domain n = 1, co = {{cout}}, oh_ow = {{plane}}
              reduce ci = {{ci}}, kh = 1, kw = 1
              %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, add(mul(floordiv(co, {{ci}}), {{ci}}), ci), oh_ow], %w[co, ci, 0, 0])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal((k, n), (d.GetInt("block.ci", 0), d.GetInt("block.oh_ow", 0)));
    }

    /// <summary>A plain 1×1 conv on a plane larger than the GEMM default keeps whole (&gt; 320 positions) takes a column
    /// block of whole vectors that divides the plane where 64 would leave a masked tail block (784 = 7 · 112, 400 =
    /// 5 · 80, 432 = 9 · 48); planes that 64 divides (3136) or with no such divisor (729 = 27 · 27) keep 64.</summary>
    [Theory]
    [InlineData(784, 112)]
    [InlineData(400, 80)]
    [InlineData(432, 48)]
    [InlineData(3136, 64)]
    [InlineData(729, 64)]
    public void APlainOneByOneConvTakesADividingPlaneBlock(int plane, long n)
    {
        var s = Space($$"""
            tile.kernel @conv(%x: f32[1,192,{{plane}}], %w: f32[64,192,1,1]) -> (%out: f32[1,64,{{plane}}]) {
              domain n = 1, co = 64, oh_ow = {{plane}}
              reduce ci = 192, kh = 1, kw = 1
              %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[co, ci, 0, 0])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(n, d.GetInt("block.oh_ow", 0));
    }

    /// <summary>A plain 1×1 conv on a large plane (densenet's growing ci): K takes a block that divides ci where 128
    /// would leave a masked tail block (160 whole, 480 as 2 · 240, 544 as 4 · 136); ci that 128 divides keeps 128, and
    /// ci up to 128 is whole.</summary>
    [Theory]
    [InlineData(160, 160)]
    [InlineData(224, 224)]
    [InlineData(480, 240)]
    [InlineData(544, 136)]
    [InlineData(256, 128)]
    [InlineData(512, 128)]
    [InlineData(96, 96)]
    public void APlainOneByOneConvTakesADividingK(int ci, long k)
    {
        var s = Space($$"""
            tile.kernel @conv(%x: f32[1,{{ci}},3136], %w: f32[128,{{ci}},1,1]) -> (%out: f32[1,128,3136]) {
              domain n = 1, co = 128, oh_ow = 3136
              reduce ci = {{ci}}, kh = 1, kw = 1
              %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[co, ci, 0, 0])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(k, d.GetInt("block.ci", 0));
    }

    /// <summary>A channels-as-columns 1×1 conv on a 7×7 plane (weight laid out [ci, co]) takes an N block of whole
    /// channels: where no block up to 128 of at least 4 vectors divides co, one up to 256 that splits into 4-vector tiles
    /// and a 3-vector tail (352 → 176 = 4 + 4 + 3, not 32; 176 whole); where its block leaves one program (128 channels),
    /// it halves down to 4 vectors so a 2-core host runs 2 (128 → 64; 64 stays one program of 4-vector tiles).</summary>
    [Theory]
    [InlineData(352, 176)]
    [InlineData(176, 176)]
    [InlineData(704, 64)]
    [InlineData(160, 80)]
    [InlineData(128, 64)]
    [InlineData(64, 64)]
    [InlineData(256, 128)]
    [InlineData(2048, 128)]
    public void AChannelColumnsPointwiseConvTakesWholeTileBlocksAndTwoPrograms(int co, long n)
    {
        var s = Space($$"""
            tile.kernel @conv(%x: f32[1,1024,49], %w: f32[1024,{{co}}]) -> (%out: f32[1,{{co}},49]) {
              domain n = 1, co = {{co}}, oh_ow = 49
              reduce ci = 1024, kh = 1, kw = 1
              %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[ci, co])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(n, d.GetInt("block.co", 0));
    }

    /// <summary>Random channel counts: a channels-as-columns 1×1 conv's N block divides co in whole vectors where some block does, and is at
    /// least 4 vectors wide (beyond 128: 4-vector tiles plus at most a 3-vector tail) wherever such a block up to 256 exists; it
    /// leaves at least 2 programs wherever a block of 4 vectors or more could.</summary>
    [Fact]
    public void ChannelColumnsPointwiseBlocksAreWholeTilesWhereSomeBlockIs()
    {
        Gen.Int[2, 64].Sample(vectors =>
        {
            int co = 16 * vectors;
            var s = Space($$"""
                tile.kernel @conv(%x: f32[1,1024,49], %w: f32[1024,{{co}}]) -> (%out: f32[1,{{co}},49]) {
                  domain n = 1, co = {{co}}, oh_ow = 49
                  reduce ci = 1024, kh = 1, kw = 1
                  %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[ci, co])
                }
                """);
            var d = s.Default();
            Assert.True(s.IsLegal(d, out var why), why);
            long b = d.GetInt("block.co", 0);
            static bool Wide(long v) => v % 16 == 0 && v >= 64 && (v / 16 % 4 is 0 or 3);
            var wide = Enumerable.Range(4, 13).Select(v => 16L * v).Where(v => co % v == 0 && Wide(v)).ToArray();
            // 208 = 13 vectors has no dividing block of 2 to 8 vectors and no wide split: a masked last block.
            if (Enumerable.Range(2, 7).Any(v => co % (16 * v) == 0) || wide.Length > 0)
                Assert.True(co % b == 0 && b % 16 == 0, $"co {co}: block {b} leaves a masked tail");
            // At least 4 vectors (96 = 4 + 2 stays where it divides: the wider split is unmeasured there).
            if (wide.Length > 0) Assert.True(b >= 64 && (b <= 128 || Wide(b)), $"co {co}: block {b} is narrower than a 4-vector tile (could be {string.Join(", ", wide)})");
            if (wide.Any(v => co / v >= 2)) Assert.True(co / b >= 2, $"co {co}: block {b} leaves one program");
        }, iter: 60);
    }

    /// <summary>A 3×3 conv over a padded copy of its input (no select: Passes.PrePadConvInput) whose rows are whole
    /// vectors takes a column block that divides the row in whole vectors (224 → 112 in wide micro-tiles, 160 → 32 as
    /// 80 would leave a 1-vector tile, 112 and 96 whole), so no block has a masked tail; rows the default 64 divides
    /// keep it, rows not of whole vectors keep 64 too.</summary>
    [Theory]
    [InlineData(224, 112)]
    [InlineData(160, 32)]
    [InlineData(336, 112)]
    [InlineData(112, 112)]
    [InlineData(96, 96)]
    [InlineData(128, 64)]
    [InlineData(200, 64)]
    public void APrePaddedConvOnRowsOfWholeVectorsTakesADividingColumnBlock(int ow, long n)
    {
        int wp = ow + 2;
        var s = Space($$"""
            tile.kernel @conv(%x: f32[1,64,6,{{wp}}], %w: f32[64,64,3,3]) -> (%out: f32[1,64,4,{{ow}}]) {
              domain n = 1, co = 64, oh = 4, ow = {{ow}}
              reduce ci = 64, kh = 3, kw = 3
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(oh, kh), add(ow, kw)], %w[co, ci, kh, kw])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(n, d.GetInt("block.ow", 0));
    }

    /// <summary>Rows of whole vectors of random width and random channels: where a pre-padded conv's row is longer than
    /// 128 and some block up to 128 divides it in micro-tiles at least 3 of 4 vectors wide, the default column block is
    /// such a divisor (KnobSpace.WithPaddedRowDivisors): 224 took 7 × 32 (6 × 2 tiles) before, 336 a masked 64.</summary>
    [Fact]
    public void PrePaddedRowsTakeWideTileBlocksWhereTheyDivide()
    {
        Gen.Select(Gen.Int[2, 30], Gen.Int[1, 80], Gen.Int[1, 80]).Sample((vectors, ci, co) =>
        {
            int ow = 16 * vectors;
            var s = Space($$"""
                tile.kernel @conv(%x: f32[1,{{ci}},6,{{ow + 2}}], %w: f32[{{co}},{{ci}},3,3]) -> (%out: f32[1,{{co}},4,{{ow}}]) {
                  domain n = 1, co = {{co}}, oh = 4, ow = {{ow}}
                  reduce ci = {{ci}}, kh = 3, kw = 3
                  %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(oh, kh), add(ow, kw)], %w[co, ci, kh, kw])
                }
                """);
            var d = s.Default();
            Assert.True(s.IsLegal(d, out var why), why);
            long b = d.GetInt("block.ow", 0);
            static bool Wide(long v) => v % 16 == 0 && (v / 16 % 4 is 0 or >= 3);
            var divisors = Enumerable.Range(2, 7).Select(v => 16L * v).Where(v => ow % v == 0).ToArray();
            // A row of at most 128 is taken whole (96 = 4 + 2 vectors: unmeasured against 2 × 48); a longer one is split.
            if (ow > 128 && divisors.Any(Wide)) Assert.True(ow % b == 0 && Wide(b), $"ow {ow}: block {b} leaves a masked tail or a narrow micro-tile");
        }, iter: 60);
    }

    /// <summary>A channels-as-columns conv (weight laid out [kh, kw, ci, co]) whose weight block is beyond L2 stacks
    /// output rows into one dot (not with a small weight block: one row per program); short rows stack down to 2
    /// programs (224 channels as 2 · 112 columns), 14-wide ones keep 4. Its dot's k loop is unrolled 4 times, as every
    /// conv with taps (see <see cref="ConvAndMatMulDotsUnrollButNotAStemOrADepthwiseConv"/>).</summary>
    [Theory]
    [InlineData(512, 512, 7, 7, 4)]
    [InlineData(224, 224, 7, 7, 4)]
    [InlineData(128, 128, 14, 1, 4)]
    [InlineData(130, 512, 6, 6, 4)]
    [InlineData(256, 256, 14, 7, 4)]
    [InlineData(32, 64, 7, 1, 4)]
    public void AChannelColumnsConvOnASmallPlaneUnrollsItsStackedRows(int ci, int co, int hw, long rows, long unroll)
    {
        var d = ChannelColumnsConvDefault(ci, co, hw);
        Assert.Equal((rows, unroll), (d.GetInt("block.oh", 0), d.GetInt(KnobNames.Unroll, 0)));
    }

    /// <summary>A channels-as-columns conv whose programs compute one output row each reads its whole [N, ci·kh·kw]
    /// weight block per row: over 1 MiB (128 channels of a 512→512 or 256→256 3×3 conv) it takes 64 channels per
    /// program, so the next row's program finds them in L2; 590 KiB (128→128) keeps 128, as does a conv whose rows are
    /// stacked (14×14: 7 rows per program read each weight once).</summary>
    [Theory]
    [InlineData(512, 512, 28, 1, 64)]
    [InlineData(256, 256, 56, 1, 64)]
    [InlineData(256, 512, 28, 1, 64)]
    [InlineData(128, 128, 28, 1, 128)]
    [InlineData(128, 256, 56, 1, 128)]
    [InlineData(512, 512, 14, 7, 128)]
    public void AOneRowChannelColumnsConvTakesAWeightBlockThatStaysInL2(int ci, int co, int hw, long rows, long channels)
    {
        var d = ChannelColumnsConvDefault(ci, co, hw);
        Assert.Equal((rows, channels), (d.GetInt("block.oh", 0), d.GetInt("block.co", 0)));
    }

    /// <summary>The legal default config of a 3×3 conv with padded input and its weight laid out [kh, kw, ci, co]
    /// (channels as columns).</summary>
    private static Config ChannelColumnsConvDefault(int ci, int co, int hw)
    {
        int hp = hw + 2;
        var s = Space($$"""
            tile.kernel @conv(%x: f32[1,{{ci}},{{hp}},{{hp}}], %w: f32[3,3,{{ci}},{{co}}]) -> (%out: f32[1,{{co}},{{hw}},{{hw}}]) {
              domain n = 1, co = {{co}}, oh = {{hw}}, ow = {{hw}}
              reduce ci = {{ci}}, kh = 3, kw = 3
              %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(oh, kh), add(ow, kw)], %w[kh, kw, ci, co])
            }
            """);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        return d;
    }

    /// <summary>A pointwise conv that takes its positions as columns (a 56×56 plane merged) takes up to 128 output
    /// channels per program, so each [K, N] block of input rows it reads is reused by twice as many row tiles (64
    /// channels: all of them); a 3×3 conv with positions as columns keeps 64.</summary>
    [Theory]
    [InlineData(1, 256, 128)]
    [InlineData(1, 64, 64)]
    [InlineData(3, 128, 64)]
    public void APointwiseConvWithPositionsAsColumnsTakes128Channels(int k, int co, long block)
    {
        string text = k == 1
            ? $$"""
                tile.kernel @conv(%x: f32[1,256,3136], %w: f32[{{co}},256,1,1]) -> (%out: f32[1,{{co}},3136]) {
                  domain n = 1, co = {{co}}, oh_ow = 3136
                  reduce ci = 256, kh = 1, kw = 1
                  %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[co, ci, 0, 0])
                }
                """
            : $$"""
                tile.kernel @conv(%x: f32[1,128,114,114], %w: f32[{{co}},128,3,3]) -> (%out: f32[1,{{co}},112,112]) {
                  domain n = 1, co = {{co}}, oh = 112, ow = 112
                  reduce ci = 128, kh = 3, kw = 3
                  %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(oh, kh), add(ow, kw)], %w[co, ci, kh, kw])
                }
                """;
        var s = Space(text);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(block, d.GetInt("block.co", 0));
    }

    /// <summary>The default unrolls the k loop of a dot 4 times where a conv keeps its reduction axes (taps read in
    /// place, positions or channels as columns; a 1×1 conv's kh = kw = 1 too) and for a plain MatMul, not the im2col
    /// stem's merged K or a depthwise conv (no dot).</summary>
    [Theory]
    [InlineData("ow", 4)]
    [InlineData("pointwise", 4)]
    [InlineData("stem", 1)]
    [InlineData("depthwise", 1)]
    [InlineData("matmul", 4)]
    public void ConvAndMatMulDotsUnrollButNotAStemOrADepthwiseConv(string form, long unroll)
    {
        string text = form switch
        {
            "ow" => """
                tile.kernel @conv(%x: f32[1,128,114,114], %w: f32[3,3,128,128]) -> (%out: f32[1,128,112,112]) {
                  domain n = 1, co = 128, oh = 112, ow = 112
                  reduce ci = 128, kh = 3, kw = 3
                  %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[0, ci, add(oh, kh), add(ow, kw)], %w[kh, kw, co, ci])
                }
                """,
            "pointwise" => """
                tile.kernel @conv(%x: f32[1,192,784], %w: f32[64,192,1,1]) -> (%out: f32[1,64,784]) {
                  domain n = 1, co = 64, oh_ow = 784
                  reduce ci = 192, kh = 1, kw = 1
                  %out[n, co, oh_ow] = sum[ci, kh, kw] mul(%x[0, ci, oh_ow], %w[co, ci, 0, 0])
                }
                """,
            "stem" => """
                tile.kernel @conv(%x: f32[1,3,230,2,115], %w: f32[64,147]) -> (%out: f32[1,64,112,112]) {
                  domain n = 1, co = 64, oh = 112, ow = 112
                  reduce k = 147
                  %out[n, co, oh, ow] = sum[k] mul(%x[0, floordiv(k, 49), add(mul(oh, 2), mod(floordiv(k, 7), 7)), mod(mod(k, 7), 2), add(ow, floordiv(mod(k, 7), 2))], %w[co, k])
                }
                """,
            "depthwise" => """
                tile.kernel @conv(%x: f32[1,32,114,114], %w: f32[32,1,3,3]) -> (%out: f32[1,32,112,112]) {
                  domain n = 1, c = 32, oh = 112, ow = 112
                  reduce kh = 3, kw = 3
                  %out[n, c, oh, ow] = sum[kh, kw] mul(%x[0, c, add(oh, kh), add(ow, kw)], %w[c, 0, kh, kw])
                }
                """,
            _ => """
                tile.kernel @mm(%a: f32[128,3072], %b: f32[3072,768]) -> (%out: f32[128,768]) {
                  domain m = 128, n = 768
                  reduce k = 3072
                  %out[m, n] = sum[k] mul(%a[m, k], %b[k, n])
                }
                """,
        };
        var s = Space(text);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal(unroll, d.GetInt(KnobNames.Unroll, 0));
    }

    /// <summary>The knob space of an [M, K]·[K, N] matmul.</summary>
    private static KnobSpace MatmulSpace(int m, int k, int n) => Space($$"""
        tile.kernel @mm(%x: f32[{{m}},{{k}}], %w: f32[{{k}},{{n}}]) -> (%out: f32[{{m}},{{n}}]) {
          domain m = {{m}}, n = {{n}}
          reduce k = {{k}}
          %out[m, n] = sum[k] mul(%x[m, k], %w[k, n])
        }
        """);

    /// <summary>The contraction default keeps the row block (B's reuse from L2) at 256 rows or the whole M, and reaches
    /// its program count by halving the column block first (not below 64), then the row block.</summary>
    [Theory]
    [InlineData(1024, 1024, 1024, 256, 256)]
    [InlineData(128, 3072, 768, 128, 64)]
    [InlineData(128, 768, 3072, 128, 256)]
    [InlineData(512, 512, 512, 256, 64)]
    [InlineData(64, 64, 64, 16, 64)]
    public void ContractionDefaultKeepsRowsAndSplitsColumnsFirst(int m, int k, int n, long rows, long cols)
    {
        var s = MatmulSpace(m, k, n);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal((rows, cols), (d.GetInt("block.m", 0), d.GetInt("block.n", 0)));
    }

    /// <summary>A block that does not divide its axis runs its tail block in full over masked rows: the default takes
    /// the largest block whose padding is at most an eighth of the axis (384 rows in 3 blocks of 128, not 2 of 256; 49
    /// rows whole, since 32 and 16 pad them to 64), and the program split stops at such blocks too. K takes no tail
    /// where it can: whole up to 512, else a divisor from 128 to 512, and the block budget then steps down through
    /// divisors (300 → 150, 384 → 192, 576 → 288 → 192).</summary>
    [Theory]
    [InlineData(384, 768, 768, 128, 128, 256)]
    [InlineData(49, 512, 256, 49, 64, 256)]
    [InlineData(300, 300, 300, 64, 64, 150)]
    [InlineData(128, 384, 768, 128, 64, 192)]
    [InlineData(128, 576, 768, 128, 64, 192)]
    [InlineData(197, 768, 3072, 197, 256, 256)]
    public void ContractionDefaultTakesBlocksWithLittlePadding(int m, int k, int n, long rows, long cols, long depth)
    {
        var s = MatmulSpace(m, k, n);
        var d = s.Default();
        Assert.True(s.IsLegal(d, out var why), why);
        Assert.Equal((rows, cols, depth), (d.GetInt("block.m", 0), d.GetInt("block.n", 0), d.GetInt("block.k", 0)));
        foreach (var (axis, extent) in new[] { ("m", m), ("n", n), ("k", k) })
        {
            long block = d.GetInt($"block.{axis}", 0), covered = (extent + block - 1) / block * block;
            Assert.True(8 * (covered - extent) <= extent, $"block.{axis} = {block} pads {extent} to {covered}");
        }
        Assert.Equal(0, k % d.GetInt("block.k", 0));
    }

    [Fact]
    public void ADotsBudgetCountsItsLargestBlockAndOtherReductionsTheProduct()
    {
        const string dot = """
            tile.kernel @mm(%x: f32[64,64], %w: f32[64,64]) -> (%out: f32[64,64]) {
              domain m = 64, n = 64
              reduce k = 64
              %out[m, n] = sum[k] mul(%x[m, k], %w[k, n])
            }
            """;
        var config = Config.Parse("{block.k = 64, block.m = 64, block.n = 64, order = none, pack.w = none, pack.x = none, parallel = m*n, split.k = 1, unroll = 1, vector = n}");
        Assert.True(KnobSpace.For(LoweringCheck.Parse(dot), blockBudget: 4096).IsLegal(config, out var why), why);
        // Not a product of two loads: the Block level reduces a materialised [M, N, K] block.
        var sumOfAdds = LoweringCheck.Parse(dot.Replace("mul(", "add("));
        var noPacks = Config.Parse("{block.k = 64, block.m = 64, block.n = 64, order = none, parallel = m*n, split.k = 1, unroll = 1, vector = n}");
        Assert.False(KnobSpace.For(sumOfAdds, blockBudget: 4096).IsLegal(noPacks, out why));
        Assert.Contains("more than the budget 4096", why);
    }

    [Theory]
    [InlineData("{block.i = 2}", "is not set")]
    [InlineData("{block.i = 3, block.j = 3, order = none, parallel = i*j, unroll = 1, vector = i}", "block.i = 3 is not one of {1, 2}")]
    [InlineData("{block.i = 2, block.j = 3, order = none, parallel = j*i, unroll = 1, vector = i}", "in the order i*j")]
    [InlineData("{block.i = 2, block.j = 3, order = i, parallel = i, unroll = 1, vector = i}", "not a permutation")]
    [InlineData("{block.i = 2, block.j = 3, order = i-j-i, parallel = none, unroll = 1, vector = i}", "not a permutation")]
    [InlineData("{block.i = 2, block.j = 3, order = none, parallel = i*j, unroll = 3, vector = i}", "unroll = 3")]
    [InlineData("{block.i = 2, block.j = 3, order = none, parallel = i*j, unroll = 1, vector = q}", "vector = q")]
    [InlineData("{block.i = 2, block.j = 3, order = none, parallel = i*q, unroll = 1, vector = i}", "not an axis class")]
    [InlineData("{block.i = 2, block.j = 3, micro = 4x4, order = none, parallel = i*j, unroll = 1, vector = i}", "no knob 'micro'")]
    public void IllegalConfigsSayWhy(string config, string reason)
    {
        var s = Space(Small);
        Assert.False(s.IsLegal(Config.Parse(config), out var why));
        Assert.Contains(reason, why);
        var e = Assert.Throws<StrataException>(() => s.Resolve(Config.Parse(config)));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
    }

    [Fact]
    public void ParallelOnAnIllegalAxisSaysWhy()
    {
        var s = Space(LoweringKernels.Softmax);
        var c = s.Default().With(KnobNames.Parallel, "i3*i4").With(KnobNames.Order, "none");
        Assert.False(s.IsLegal(c, out var why));
        Assert.Contains("i4 cannot be parallel", why);
    }

    [Fact]
    public void OverBudgetIsIllegal()
    {
        var s = KnobSpace.For(LoweringCheck.Parse(Small), blockBudget: 4);
        var c = s.Default().With("block.i", 2).With("block.j", 3);
        Assert.False(s.IsLegal(c, out var why));
        Assert.Contains("more than the budget 4", why);
    }

    [Fact]
    public void EnumerateListsEveryLegalConfigOnce()
    {
        var s = Space(Small);
        var all = s.Enumerate().ToList();
        // blocks 2 × 3; (parallel, order): none × 2 orders + i + j + i*j = 5; vector 2; unroll 3.
        Assert.Equal(2 * 3 * 5 * 2 * 3, all.Count);
        Assert.Equal(all.Count, s.UpperBoundSize);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, c => Assert.True(s.IsLegal(c, out var why), why));
        Assert.Contains(s.Default(), all);
    }

    [Fact]
    public void EnumeratePrunesBlocksOverBudget()
    {
        var s = KnobSpace.For(LoweringCheck.Parse(Small), blockBudget: 2);
        var blocks = s.Enumerate().Select(c => (c["block.i"], c["block.j"])).Distinct().ToList();
        Assert.Equal([("1", "1"), ("1", "2"), ("2", "1")], blocks);
    }

    [Fact]
    public void RandomIsDeterministicLegalAndUniform()
    {
        var s = Space(Small);
        var all = s.Enumerate().ToList();
        var rng = new Random(7);
        var counts = new Dictionary<Config, int>();
        int draws = all.Count * 100;
        for (int i = 0; i < draws; i++)
        {
            var c = s.Random(rng);
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }
        Assert.Equal(all.Count, counts.Count); // every legal config is drawn, nothing else
        Assert.All(counts.Values, n => Assert.InRange(n, 50, 160));
        Assert.Equal(s.Random(new Random(3)), s.Random(new Random(3)));
    }

    [Fact]
    public void CompleteFillsMissingKnobsFromTheDefault()
    {
        var s = Space(LoweringKernels.MatmulBiasGelu);
        var c = s.Complete(Config.Parse("{block.m = 4, split.k = 2}"));
        Assert.True(s.IsLegal(c, out var why), why);
        Assert.Equal("4", c["block.m"]);
        Assert.Equal("2", c["split.k"]);
    }

    [Fact]
    public void ContractionInputsGetPackKnobs()
    {
        var s = Space(LoweringKernels.MatmulBiasGelu);
        Assert.Equal(["x", "w"], s.ContractionInputs.AsEnumerable());
        Assert.NotNull(s.Knob("pack.w"));
        Assert.Null(s.Knob("pack.b"));
    }
}
