using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Machine;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>Stride-2 convs over a pre-padded input (<see cref="PrePadConvInput"/>, forced) whose padded copy the Pad
/// kernel stores split by column parity (<see cref="SplitColumnParity"/>: <c>x'[.., w mod 2, w div 2]</c>, where the
/// padded width is even), against the Graph interpreter, with the Machine interpreter on every target (every stage
/// verified) and natively. Random channels (stems of 1..4 and wider), kernel sizes, strides 1..3 in h, pads and odd or
/// even widths; taps merged into K (im2col) or not.</summary>
public class SplitColumnParityTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(3, 16, 38, 38, 7, 3, TapMerging.Always)]    // a 7×7/2 stem: K = 147, padded width 44
    [InlineData(3, 8, 21, 23, 3, 1, TapMerging.Always)]     // odd width 23 + 2 = 25: stays unsplit
    [InlineData(2, 8, 20, 27, 5, 2, TapMerging.Always)]     // odd width 27 + 4 = 31: stays unsplit; 20 + 4: even rows
    [InlineData(24, 20, 16, 18, 3, 1, TapMerging.Always)]   // wide ci, taps merged: K = 216
    public void MatchesTheReferenceAtEveryTarget(int cin, int cout, int h, int w, int k, int pad, TapMerging merge)
    {
        bool even = (w + 2 * pad) % 2 == 0;
        foreach (var target in Targets) Assert.Equal(even, Check(cin, cout, h, w, k, 2, pad, merge, seed: 5, target));
        Assert.Equal(even, Check(cin, cout, h, w, k, 2, pad, merge, seed: 5, target: null));
    }

    /// <summary>Off (CompilerOptions.SplitColumnParity = false), the same conv reads its padded copy unsplit.</summary>
    [Fact]
    public void TheOptionTurnsItOff() =>
        Assert.False(Check(3, 16, 38, 38, 7, 2, 3, TapMerging.Always, seed: 6, "x86-64-avx512", split: false));

    /// <summary>Stride 1 convs read the copy at unit stride: it stays unsplit.</summary>
    [Fact]
    public void AStride1ConvKeepsItsCopy() =>
        Assert.False(Check(3, 16, 20, 20, 3, 1, 1, TapMerging.Always, seed: 7, "x86-64-avx512", strideW: 1));

    [Fact]
    public void RandomStridedConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 24], Gen.Int[6, 30], Gen.Int[6, 31], Gen.Int[1, 7], Gen.Int[0, 6], Gen.Int[0, 1])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int k = Math.Min(t.Item5, Math.Min(t.Item3, t.Item4)), pad = Math.Clamp(t.Item6, 1, Math.Max(1, k - 1));
                var merge = t.Item7 == 0 ? TapMerging.Always : TapMerging.Default;
                int strideH = 1 + t.seed % 3;
                Check(t.Item1, t.Item2, t.Item3, t.Item4, k, strideH, pad, merge, t.seed, Targets[t.seed % Targets.Length]);
                Check(t.Item1, t.Item2, t.Item3, t.Item4, k, strideH, pad, merge, t.seed, target: null);
            }, iter: 12);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int k, int strideH, int strideW, int pad, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, cin, h, w);
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, k, k)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            strides: [strideH, strideW], pads: [pad, pad, pad, pad]);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    /// <summary>Runs the conv natively (<paramref name="target"/> null) or with the Machine interpreter, checks the
    /// result; returns whether the padded copy was stored split (a rank-5 value between the kernels).</summary>
    private static bool Check(int cin, int cout, int h, int w, int k, int strideH, int pad, TapMerging merge, int seed, string? target, bool split = true, int strideW = 2)
    {
        var options = CompilerOptions.Default with
        {
            GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always), MergeContractionTaps = merge, SplitColumnParity = split, VerifyEach = true,
        };
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, k, strideH, strideW, pad, seed), inputs);
        var model = new Compiler(options).Compile(Build(cin, cout, h, w, k, strideH, strideW, pad, seed), inputs);
        bool splitCopy = model.Kernels.Any(c => c.Step.Kernel.Outputs.Any(b => b.Name.EndsWith("_padded", StringComparison.Ordinal) && b.Shape.Length == 5));
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        if (target is null)
        {
            using var session = InferenceSession.Create(Build(cin, cout, h, w, k, strideH, strideW, pad, seed), new SessionOptions { Threads = 1, Compiler = options });
            actual = session.Run(inputs)!;
            Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        }
        else actual = MachineCompiler.Lower(model, Target.Get(target), MachineLoweringOptions.Default with { VerifyEach = true }).Run(inputs);
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} k{k} s{strideH},{strideW} p{pad} {merge}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
        return splitCopy;
    }
}
