using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Convs on small planes that take the channels as the dot's columns have their [kh, kw, ci, co] weight laid out
/// in panels at compile time (Tile PanelContractionWeights: [co / P, kh, kw, ci, co % P]; P = 64 where co is a multiple
/// of 64, else the N block, KnobSpace.ChannelColumnsPanelWidth: 160 → 80, 224 → 112, 288 → 96; none for 208 = 13 · 16
/// or where co is one block), read in place by the micro-kernel. 1×1 and 3×3, stride 1 and 2, co of several panels,
/// co tails of whole vectors and not, residual epilogues; random weights against the Graph interpreter, with the
/// Machine interpreter on every target and natively.</summary>
public class ConvWeightPanelsTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx512-dp", "x86-64-avx2", "generic-v128", "scalar"];

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    [Theory]
    [InlineData(32, 128, 7, 3, 1, false)]   // 3×3 on 7×7: two whole panels
    [InlineData(24, 192, 5, 3, 1, true)]    // three panels, N blocks of 96 (a tile across two panels)
    [InlineData(16, 256, 13, 3, 2, false)]  // stride 2 to 7×7
    [InlineData(1040, 128, 5, 1, 1, true)]  // 1×1 with a long K (short positions): ci tail of the K block
    [InlineData(24, 80, 7, 3, 1, true)]     // co 64 + 16: one N block of 80, no panels
    [InlineData(24, 160, 7, 3, 1, true)]    // panels of 80 (= the N block): tiles of 3 + 2 vectors in each
    [InlineData(20, 224, 5, 3, 1, false)]   // panels of 112: tiles of 4 + 3 vectors
    [InlineData(16, 224, 13, 3, 2, true)]   // stride 2 to 7×7, panels of 112
    [InlineData(24, 288, 7, 3, 1, false)]   // panels of 96 (three)
    [InlineData(24, 208, 7, 3, 1, true)]    // 13 vectors: no dividing block, no panels (a masked last N block)
    [InlineData(1040, 160, 5, 1, 1, true)]  // 1×1 with a long K, panels of 80
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int hw, int k, int stride, bool residual)
    {
        foreach (var target in Targets) Check(cin, cout, hw, k, stride, residual, seed: 3, target);
        Check(cin, cout, hw, k, stride, residual, seed: 3, target: null);
    }

    [Fact]
    public void RandomSmallPlaneConvsMatchTheReference() =>
        Gen.Select(Gen.Int[8, 40], Gen.Int[0, 9].Select(i => new[] { 72, 80, 96, 128, 160, 192, 200, 224, 256, 288 }[i]), Gen.Int[3, 9], Gen.Bool, Gen.Bool, Gen.Int[0, 1000])
            .Sample((cin, cout, hw, stride2, residual, seed) =>
            {
                int stride = stride2 ? 2 : 1, size = stride2 ? 2 * hw - 1 : hw;
                Check(cin, cout, size, 3, stride, residual, seed, Targets[seed % Targets.Length]);
                Check(cin, cout, size, 3, stride, residual, seed, target: null);
            }, iter: 8);

    /// <summary>The 3×3 64→128 conv on 7×7 takes the channels as columns (ow = 7 wastes lanes): its weight (beside a kernel that pads the
    /// input) becomes [2, 3, 3, 64, 64] panels; with the option off it stays [3, 3, 64, 128].</summary>
    [Fact]
    public void ChannelColumnWeightIsLaidOutInPanels()
    {
        var inputs = Inputs(64, 128, 7, residual: false, seed: 1);
        var model = new Compiler(CompilerOptions.Default).Compile(Build(64, 128, 7, 3, 1, false, 1), inputs);
        Assert.Contains(model.Kernels.SelectMany(x => x.Step.Kernel.Inputs), b => b.Shape.SequenceEqual([2L, 3, 3, 64, 64]));
        var off = new Compiler(CompilerOptions.Default with { PanelConstantWeights = false }).Compile(Build(64, 128, 7, 3, 1, false, 1), inputs);
        Assert.Contains(off.Kernels.SelectMany(x => x.Step.Kernel.Inputs), b => b.Shape.SequenceEqual([3L, 3, 64, 128]));
    }

    /// <summary>A co that is no multiple of 64 but splits into N blocks of whole vectors (160 → 80) takes panels as
    /// wide as its block: the 3×3 64→160 conv on 7×7 gets a [2, 3, 3, 64, 80] weight; 208 (13 vectors, no such block)
    /// keeps [3, 3, 64, 208].</summary>
    [Fact]
    public void ChannelTailsTakePanelsOfTheirBlock()
    {
        var model = new Compiler(CompilerOptions.Default).Compile(Build(64, 160, 7, 3, 1, false, 1), Inputs(64, 160, 7, residual: false, seed: 1));
        Assert.Contains(model.Kernels.SelectMany(x => x.Step.Kernel.Inputs), b => b.Shape.SequenceEqual([2L, 3, 3, 64, 80]));
        var odd = new Compiler(CompilerOptions.Default).Compile(Build(64, 208, 7, 3, 1, false, 1), Inputs(64, 208, 7, residual: false, seed: 1));
        Assert.Contains(odd.Kernels.SelectMany(x => x.Step.Kernel.Inputs), b => b.Shape.SequenceEqual([3L, 3, 64, 208]));
    }

    private static Graph.Graph Build(int cin, int cout, int hw, int k, int stride, bool residual, int seed)
    {
        int pad = k / 2, oh = (hw + 2 * pad - k) / stride + 1;
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, cin, hw, hw);
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, k, k)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            strides: [stride, stride], pads: [pad, pad, pad, pad]);
        y = residual ? g.Relu(g.Add(y, g.Input("r", DataType.Float32, 1, cout, oh, oh))) : g.Relu(y);
        g.Output(y, "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int cin, int cout, int hw, bool residual, int seed, int oh = 0)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, hw, hw) };
        if (residual) inputs["r"] = SmallGraphs.Random(seed + 3, 1, cout, oh, oh);
        return inputs;
    }

    private static void Check(int cin, int cout, int hw, int k, int stride, bool residual, int seed, string? target)
    {
        int pad = k / 2, oh = (hw + 2 * pad - k) / stride + 1;
        var graph = Build(cin, cout, hw, k, stride, residual, seed);
        var inputs = Inputs(cin, cout, hw, residual, seed, oh);
        var expected = SmallGraphs.Reference(graph, inputs);
        var model = new Compiler(CompilerOptions.Default with { VerifyEach = true }).Compile(graph, inputs);
        var actual = NativeOrMachine.Run(graph, null, model, inputs, target);
        string where = $"{target ?? "native"} {cin}→{cout} {hw}×{hw} k{k}/{stride} residual {residual} seed {seed}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
