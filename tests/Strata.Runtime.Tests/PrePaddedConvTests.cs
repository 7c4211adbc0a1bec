using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>Convs that read a padded copy of their input (<see cref="PrePadConvInput"/>, forced): the Pad kernel and
/// the unpadded conv against the Graph interpreter on the original graph, natively and with the Machine interpreter on
/// every target. Random shapes: channels, planes, kernel sizes, strides, asymmetric pads (also pads wider than the kernel), a
/// Relu before the conv so the Pad reads a kernel's output, not a graph input.</summary>
public class PrePaddedConvTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(24, 16, 20, 20, 3, 3, 1, 1, 1, 1)]   // the cost rule's case, small: 3×3 pad 1
    [InlineData(17, 8, 9, 13, 3, 5, 0, 2, 1, 0)]     // asymmetric pads, a 3×5 kernel
    [InlineData(5, 3, 7, 6, 2, 2, 2, 0, 0, 3)]       // pads wider than the kernel on one side
    [InlineData(20, 8, 4, 160, 3, 3, 1, 1, 1, 1)]    // a row of whole vectors: column blocks of 5 × 32 (KnobSpace.PaddedRowDivides)
    [InlineData(20, 8, 3, 96, 3, 3, 1, 1, 1, 1)]     // a row of whole vectors taken whole (96)
    [InlineData(9, 8, 3, 224, 3, 3, 1, 1, 1, 1)]     // a row of whole vectors in 2 × 112 (KnobSpace.WithPaddedRowDivisors: 6 × 4 + 6 × 3 tiles)
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, int kh, int kw, int top, int left, int bottom, int right)
    {
        foreach (var target in Targets) Check(cin, cout, h, w, kh, kw, [top, left, bottom, right], 1, seed: 7, target);
        Check(cin, cout, h, w, kh, kw, [top, left, bottom, right], 1, seed: 7, target: null);
    }

    [Theory]
    [InlineData(32, 16, 28, 28, 3, 3, 1, 1, 1, 1, 2)]  // resnet's 3×3/2
    [InlineData(19, 8, 15, 12, 3, 4, 0, 2, 1, 1, 3)]   // stride 3, asymmetric pads, rows that end in the padding
    public void StridedMatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, int kh, int kw, int top, int left, int bottom, int right, int stride)
    {
        foreach (var target in Targets) Check(cin, cout, h, w, kh, kw, [top, left, bottom, right], stride, seed: 9, target);
        Check(cin, cout, h, w, kh, kw, [top, left, bottom, right], stride, seed: 9, target: null);
    }

    /// <summary>The cost rule pads wide channels on planes of at least 7×7, and leaves tiny planes and narrow channels alone, unless their taps merge into K (<see cref="PrePadConvInput.PaysNarrow"/>).</summary>
    [Fact]
    public void TheDefaultRulePadsWideChannelsOnLargePlanes()
    {
        Assert.True(PrePadConvInput.Pays(channels: 64, outHeight: 56, outWidth: 56, taps: 9));
        Assert.True(PrePadConvInput.Pays(channels: 512, outHeight: 28, outWidth: 28, taps: 9));
        Assert.False(PrePadConvInput.Pays(channels: 16, outHeight: 56, outWidth: 56, taps: 9));
        Assert.True(PrePadConvInput.Pays(channels: 512, outHeight: 7, outWidth: 7, taps: 9));
        Assert.False(PrePadConvInput.Pays(channels: 512, outHeight: 5, outWidth: 5, taps: 9));
        Assert.False(PrePadConvInput.Pays(channels: 64, outHeight: 56, outWidth: 56, taps: 1));
        // Rows of whole vectors pay too: long ones as positions (h/nest2), short ones with the channels as columns.
        Assert.True(PrePadConvInput.Pays(channels: 64, outHeight: 224, outWidth: 224, taps: 9));
        Assert.True(PrePadConvInput.Pays(channels: 128, outHeight: 112, outWidth: 112, taps: 9));
        Assert.True(PrePadConvInput.Pays(channels: 64, outHeight: 64, outWidth: 64, taps: 9));
        Assert.True(PrePadConvInput.Pays(channels: 256, outHeight: 16, outWidth: 16, taps: 9));
        // Narrow inputs whose taps merge into K (PaysNarrow): stems at any size and stride, ci up to a vector at ≤ 9 taps.
        Assert.True(PrePadConvInput.PaysNarrow(channels: 3, outHeight: 112, outWidth: 112, taps: 49));
        Assert.True(PrePadConvInput.PaysNarrow(channels: 3, outHeight: 55, outWidth: 55, taps: 121));
        Assert.True(PrePadConvInput.PaysNarrow(channels: 16, outHeight: 55, outWidth: 55, taps: 9));
        Assert.False(PrePadConvInput.PaysNarrow(channels: 16, outHeight: 55, outWidth: 55, taps: 25));
        Assert.False(PrePadConvInput.PaysNarrow(channels: 17, outHeight: 55, outWidth: 55, taps: 9));
        Assert.False(PrePadConvInput.PaysNarrow(channels: 3, outHeight: 112, outWidth: 112, taps: 1));
        Assert.False(PrePadConvInput.PaysNarrow(channels: 3, outHeight: 24, outWidth: 24, taps: 9));
        var model = Compile(Build(32, 8, 24, 24, 3, 3, [1, 1, 1, 1], 1, seed: 1), Inputs(32, 24, 24, seed: 1), ConvPrePadding.Default);
        Assert.Contains(model.Kernels, k => k.Step.Kernel.Outputs.Any(b => b.Name.EndsWith("_padded", StringComparison.Ordinal)));
    }

    /// <summary>Two convs that read one value with the same pads share one padded copy (and a third, padded otherwise,
    /// gets its own), natively against the reference.</summary>
    [Fact]
    public void ConvsOfOneInputShareItsPaddedCopy()
    {
        Graph.Graph Build()
        {
            var g = new GraphBuilder("branches", opset: 17);
            var x = g.Relu(g.Input("x", DataType.Float32, 1, 24, 12, 12));
            var a = g.Conv(x, g.Constant("wa", SmallGraphs.Random(1, 16, 24, 3, 3)), pads: [1, 1, 1, 1]);
            var b = g.Conv(x, g.Constant("wb", SmallGraphs.Random(2, 16, 24, 3, 3)), pads: [1, 1, 1, 1]);
            var c = g.Conv(x, g.Constant("wc", SmallGraphs.Random(3, 16, 24, 5, 5)), pads: [2, 2, 2, 2]);
            g.Output(g.Add(g.Add(a, b), c), "y");
            return g.Build();
        }
        var inputs = Inputs(24, 12, 12, seed: 4);
        var model = Compile(Build(), inputs, ConvPrePadding.Always);
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "Pad"));
        using var session = InferenceSession.Create(Build(), new SessionOptions { Threads = 1, Compiler = Options(ConvPrePadding.Always) });
        var actual = session.Run(inputs);
        var expected = SmallGraphs.Reference(Build(), inputs);
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, Tolerance.Compare(actual["y"]!, expected["y"]!));
    }

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 20], Gen.Int[3, 16], Gen.Int[3, 16], Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[0, 255], Gen.Int[1, 3])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, s.Item8, seed))
            .Sample(t =>
            {
                int kh = Math.Min(t.Item5, t.Item3), kw = Math.Min(t.Item6, t.Item4);
                long[] pads = [t.Item7 & 3, (t.Item7 >> 2) & 3, (t.Item7 >> 4) & 3, (t.Item7 >> 6) & 3];
                if (pads.All(p => p == 0)) pads[0] = 1;
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, pads, t.Item8, t.seed, Targets[t.seed % Targets.Length]);
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, pads, t.Item8, t.seed, target: null);
            }, iter: 10);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int kh, int kw, long[] pads, int stride, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, kh, kw)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            strides: [stride, stride], pads: pads);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int cin, int h, int w, int seed) =>
        new() { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };

    private static CompilerOptions Options(ConvPrePadding mode) =>
        CompilerOptions.Default with { GraphPasses = GraphPipeline.Standard(prePadding: mode), VerifyEach = true };

    private static CompiledModel Compile(Graph.Graph graph, Dictionary<string, RuntimeValue> inputs, ConvPrePadding mode) =>
        new Compiler(Options(mode)).Compile(graph, inputs);

    /// <summary>Runs the forced pre-padded conv natively (<paramref name="target"/> null) or with the Machine
    /// interpreter for <paramref name="target"/>; checks a Pad kernel was made, and the result.</summary>
    private static void Check(int cin, int cout, int h, int w, int kh, int kw, long[] pads, int stride, int seed, string? target)
    {
        var inputs = Inputs(cin, h, w, seed);
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, kh, kw, pads, stride, seed), inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        var model = Compile(Build(cin, cout, h, w, kh, kw, pads, stride, seed), inputs, ConvPrePadding.Always);
        Assert.Contains(model.Kernels, k => k.Step.Kernel.Outputs.Any(b => b.Name.EndsWith("_padded", StringComparison.Ordinal)));
        actual = NativeOrMachine.Run(Build(cin, cout, h, w, kh, kw, pads, stride, seed), Options(ConvPrePadding.Always), model, inputs, target);
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} k{kh}×{kw} s{stride} pads [{string.Join(",", pads)}]";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
