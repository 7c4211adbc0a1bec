using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Convs lowered as im2col GEMMs (<see cref="Tile.Passes.MergeContractionTaps"/>, opt-in): (ci, kh, kw) merged
/// into one K axis read through quotients and remainders, K blocks that divide K, channels as columns or not, strided
/// rows. Random shapes (strides, dilations, pads, odd sizes, ci = 1..3 and wider), natively on this machine, against the
/// Graph interpreter; the kernel's config must show the merged axis (the path ran).</summary>
public class MergedTapsConvTests
{
    [Theory]
    [InlineData(3, 16, 23, 7, 2, 1, 3)]   // a 7×7/2 stem: K = 147
    [InlineData(3, 16, 17, 3, 2, 1, 1)]   // a 3×3/2 stem: K = 27
    [InlineData(16, 32, 7, 3, 1, 1, 1)]   // a late 3×3 on 7×7 planes: channels as columns
    [InlineData(17, 32, 30, 3, 1, 2, 2)]  // dilation 2: K = 153 (no divisor block: a masked K tail)
    [InlineData(64, 16, 12, 3, 1, 1, 1)]  // K = 576 in blocks of 192
    public void MatchesTheReference(int cin, int cout, int hw, int k, int stride, int dilation, int pad) =>
        Check(cin, cout, hw, hw + 1, k, stride, dilation, pad, seed: 3, mustMerge: true);

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 20], Gen.Int[5, 13], Gen.Int[5, 13], Gen.Int[2, 5], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[0, 2])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, s.Item8, seed))
            .Sample(t => Check(t.Item1 == 3 ? 19 : t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, Math.Min(t.Item8, t.Item5 - 1), t.seed, mustMerge: false), iter: 12);

    private static void Check(int cin, int cout, int h, int w, int k, int stride, int dilation, int pad, int seed, bool mustMerge)
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
        var compiler = CompilerOptions.Default with { MergeContractionTaps = Tile.Passes.TapMerging.Always };
        var model = new Compiler(compiler).Compile(Build(), inputs);
        // The merge needs the weight's taps as its trailing dims and an output-channel row axis; a random shape may not offer it.
        if (mustMerge) Assert.Contains(model.Kernels, c => c.Config?.ToString().Contains("_kh_kw", StringComparison.Ordinal) == true);
        using var session = InferenceSession.Create(graph, new SessionOptions { Threads = 1, Compiler = compiler });
        var actual = session.Run(inputs);
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        var expected = SmallGraphs.Reference(graph, inputs);
        Assert.True(ValueComparer.Default.Compare(actual["y"], expected["y"]!) is null, $"{cin}→{cout} {h}×{w} k{k} s{stride} d{dilation} p{pad}: {ValueComparer.Default.Compare(actual["y"], expected["y"]!)}");
    }
}
