using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Convs lowered as im2col GEMMs (<see cref="Tile.Passes.MergeContractionTaps"/>, opt-in): (ci, kh, kw) merged
/// into one K axis read through quotients and remainders, K blocks that divide K, channels as columns or not, strided
/// rows, with and without a padded copy of the input (Tile.Passes.PrePadConvInput). Random shapes (strides, dilations, pads,
/// odd sizes, ci = 1..3 and wider), natively on this machine, against the Graph interpreter; the kernel's config must show
/// the merged axis (the path ran).</summary>
public class MergedTapsConvTests
{
    [Theory]
    [InlineData(3, 16, 23, 7, 2, 1, 3)]   // a 7×7/2 stem: K = 147
    [InlineData(3, 16, 17, 3, 2, 1, 1)]   // a 3×3/2 stem: K = 27
    [InlineData(16, 32, 7, 3, 1, 1, 1)]   // a late 3×3 on 7×7 planes: channels as columns
    [InlineData(17, 32, 30, 3, 1, 2, 2)]  // dilation 2: K = 153 (no divisor block: a masked K tail)
    [InlineData(64, 16, 12, 3, 1, 1, 1)]  // K = 576 in blocks of 192
    [InlineData(3, 64, 40, 7, 2, 1, 3)]   // the default rule's 7×7/2 stem: 64 output channels, rows wider than a vector
    [InlineData(3, 24, 47, 11, 4, 1, 2)]  // an 11×11/4 stem (a gathered stride): K = 363
    [InlineData(1, 8, 21, 7, 1, 2, 6)]    // one channel, dilated 7×7 with wide pads: rows entirely in the padding
    [InlineData(48, 24, 14, 5, 2, 1, 2)]  // wide ci, 5×5/2: K = 1200
    public void MatchesTheReference(int cin, int cout, int hw, int k, int stride, int dilation, int pad) =>
        Check(cin, cout, hw, hw + 1, k, stride, dilation, pad, seed: 3, mustMerge: true);

    /// <summary>The cost rule's own choice (no forced merge) merges a stem of 3 channels at 7×7.</summary>
    [Fact]
    public void TheDefaultRuleMergesA7x7Stem() =>
        Check(3, 16, 30, 31, 7, 2, 1, 3, seed: 5, mustMerge: true, mode: Tile.Passes.TapMerging.Default);

    /// <summary>Wide channels, large kernels, strides, dilations and pads (rows that start or end in the padding).</summary>
    [Fact]
    public void RandomWideAndLargeConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 24], Gen.Int[7, 24], Gen.Int[4, 7], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Int[0, 6])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int h = Math.Max(t.Item3, t.Item6 * (t.Item4 - 1) + 1);   // at least one output row without padding
                Check(t.Item1, t.Item2, h, h + t.Item7 % 3, t.Item4, t.Item5, t.Item6, Math.Min(t.Item7, t.Item4 - 1), t.seed, mustMerge: false);
            }, iter: 8);

    /// <summary>Stems (ci 1..4) with strides 2..4, pads up to k - 1 and dilations, reading their unpadded input: K =
    /// ci·kh·kw packed per row, the K loop split into ci, kh and kw loops (Machine pass SplitDigitLoops), rows starting or
    /// ending in the padding.</summary>
    [Fact]
    public void RandomStridedStemsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 20], Gen.Int[12, 40], Gen.Int[2, 11], Gen.Int[2, 4], Gen.Int[1, 2], Gen.Int[0, 10])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int h = Math.Max(t.Item3, t.Item6 * (t.Item4 - 1) + 1);
                Check(t.Item1, t.Item2, h, h + t.seed % 5, t.Item4, t.Item5, t.Item6, t.Item7 % t.Item4, t.seed, mustMerge: true,
                    prePadding: Tile.Passes.ConvPrePadding.Never);
            }, iter: 10);

    /// <summary>The same stems and narrow convs reading a padded copy of their input (Tile.Passes.PrePadConvInput, forced;
    /// a dilated conv keeps its pads): strides 1..4, pads up to k - 1, ci 1..16, so every packed K row is a plain (strided,
    /// or gathered at stride 4) load of the copy, and the conv's output row [1, co, 1, ow] takes its epilogue in registers.</summary>
    [Fact]
    public void RandomPrePaddedNarrowConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 16], Gen.Int[1, 20], Gen.Int[9, 40], Gen.Int[2, 11], Gen.Int[1, 4], Gen.Int[1, 2], Gen.Int[0, 10])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int h = Math.Max(t.Item3, t.Item6 * (t.Item4 - 1) + 1);
                Check(t.Item1, t.Item2, h, h + t.seed % 5, t.Item4, t.Item5, t.Item6, t.Item7 % t.Item4, t.seed, mustMerge: true,
                    prePadding: Tile.Passes.ConvPrePadding.Always);
            }, iter: 10);

    /// <summary>The default rules pad a 7×7/2 stem's and a 16-channel 3×3 conv's input on planes of at least 32×32 outputs
    /// (PrePadConvInput.PaysNarrow) and merge their taps: a Pad kernel writes the copy, the conv reads it.</summary>
    [Theory]
    [InlineData(3, 16, 70, 7, 2, 3)]
    [InlineData(16, 24, 40, 3, 1, 1)]
    [InlineData(3, 8, 33, 3, 1, 1)]
    public void TheDefaultRulesPadANarrowConvsInput(int cin, int cout, int hw, int k, int stride, int pad) =>
        Check(cin, cout, hw, hw + 2, k, stride, 1, pad, seed: 11, mustMerge: true, mode: Tile.Passes.TapMerging.Default,
            prePadding: Tile.Passes.ConvPrePadding.Default, mustPad: true);

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 20], Gen.Int[5, 13], Gen.Int[5, 13], Gen.Int[2, 5], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[0, 2])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, s.Item8, seed))
            .Sample(t => Check(t.Item1 == 3 ? 19 : t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, Math.Min(t.Item8, t.Item5 - 1), t.seed, mustMerge: false), iter: 12);

    /// <summary>The conformance tolerance: sums of up to ~1,200 products in another order differ by a few 1e-6 near 0.</summary>
    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static void Check(int cin, int cout, int h, int w, int k, int stride, int dilation, int pad, int seed, bool mustMerge,
        Tile.Passes.TapMerging mode = Tile.Passes.TapMerging.Always, Tile.Passes.ConvPrePadding prePadding = Tile.Passes.ConvPrePadding.Default,
        bool mustPad = false)
    {
        Graph.Graph Build()
        {
            var g = new GraphBuilder("conv", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, cin, h, w);
            var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, k, k)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
                strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [dilation, dilation]);
            g.Output(g.Relu(y), "y");
            return g.Build();
        }
        var graph = Build();
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var compiler = CompilerOptions.Default with { MergeContractionTaps = mode, GraphPasses = Tile.Passes.GraphPipeline.Standard(prePadding: prePadding) };
        var model = new Compiler(compiler).Compile(Build(), inputs);
        if (mustPad) Assert.Contains(model.Kernels, c => c.Step.Kernel.Outputs.Any(b => b.Name.EndsWith("_padded", StringComparison.Ordinal)));
        // The merge needs the weight's taps as its trailing dims and an output-channel row axis; a random shape may not offer it.
        if (mustMerge) Assert.Contains(model.Kernels, c => c.Config?.ToString().Contains("_kh_kw", StringComparison.Ordinal) == true);
        using var session = InferenceSession.Create(graph, new SessionOptions { Threads = 1, Compiler = compiler });
        var actual = session.Run(inputs);
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        var expected = SmallGraphs.Reference(graph, inputs);
        Assert.True(Tolerance.Compare(actual["y"], expected["y"]!) is null, $"{cin}→{cout} {h}×{w} k{k} s{stride} d{dilation} p{pad}: {Tolerance.Compare(actual["y"], expected["y"]!)}");
    }
}
