using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>Strided 1×1 convs that read a subsampled copy of their input (<see cref="SubsamplePointwiseConvInput"/>,
/// forced): the one-tap MaxPool kernel and the stride-1 conv, with or without a residual Add + Relu fused after it,
/// against the Graph interpreter on the original graph, natively and with the Machine interpreter on every target.
/// Random channels, planes (odd sizes: the last row and column of a stride), strides 1–3 per axis (stride 1 on both
/// leaves the conv alone) and opsets 9 and 17.</summary>
public class SubsampledPointwiseConvTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(64, 256, 14, 14, 2, 2, true, 9)]    // a projection shortcut, small: 14 → 7 with the residual Sum + Relu
    [InlineData(20, 33, 11, 9, 3, 2, false, 17)]    // different strides per axis, planes no multiple of them
    [InlineData(5, 7, 4, 17, 1, 3, true, 9)]        // stride only along the rows
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, int sh, int sw, bool residual, int opset)
    {
        foreach (var target in Targets) Check(cin, cout, h, w, sh, sw, residual, opset, seed: 3, target);
        Check(cin, cout, h, w, sh, sw, residual, opset, seed: 3, target: null);
    }

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 48], Gen.Int[1, 40], Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Bool, Gen.Int[0, 1000])
            .Sample((cin, cout, h, w, sh, sw, residual, seed) =>
            {
                int opset = seed % 2 == 0 ? 9 : 17;
                Check(cin, cout, h, w, sh, sw, residual, opset, seed, Targets[seed % Targets.Length]);
                Check(cin, cout, h, w, sh, sw, residual, opset, seed, target: null);
            }, iter: 12);

    /// <summary>The cost rule subsamples wide convs with enough work per copied input element, and leaves narrow
    /// input channels and outputs too narrow for their stride alone; resnet50's three strided shortcuts (from 56×56,
    /// 28×28 and 14×14) take it by default, and so does a 64→512 conv at stride 2 (128 multiply-adds per copied element).</summary>
    [Fact]
    public void TheDefaultRuleSubsamplesWideConvs()
    {
        Assert.True(SubsamplePointwiseConvInput.Pays(1024, 2048, [2, 2]));
        Assert.True(SubsamplePointwiseConvInput.Pays(512, 1024, [2, 2]));
        Assert.True(SubsamplePointwiseConvInput.Pays(256, 512, [2, 2]));
        Assert.False(SubsamplePointwiseConvInput.Pays(128, 256, [2, 2]));
        Assert.False(SubsamplePointwiseConvInput.Pays(256, 1024, [3, 3]));
        Assert.False(SubsamplePointwiseConvInput.Pays(32, 2048, [2, 2]));
        var inputs = Inputs(64, 1024, 14, 14, 2, 2, true, seed: 1);
        var model = new Compiler(CompilerOptions.Default with { VerifyEach = true }).Compile(Build(64, 1024, 14, 14, 2, 2, true, 9, seed: 1), inputs);
        Assert.Single(model.Graph.Nodes, n => n.OpType == "MaxPool");
        var narrow = new Compiler(CompilerOptions.Default with { VerifyEach = true }).Compile(Build(64, 512, 14, 14, 2, 2, true, 9, seed: 1),
            Inputs(64, 512, 14, 14, 2, 2, true, seed: 1));
        Assert.Single(narrow.Graph.Nodes, n => n.OpType == "MaxPool");
    }

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int sh, int sw, bool residual, int opset, int seed)
    {
        var g = new GraphBuilder("conv", opset: opset);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, 1, 1)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            strides: [sh, sw]);
        if (residual) y = g.Relu(g.Add(y, g.Input("r", DataType.Float32, 1, cout, (h - 1) / sh + 1, (w - 1) / sw + 1)));
        g.Output(y, "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int cin, int h, int w, int seed) =>
        new() { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };

    private static Dictionary<string, RuntimeValue> Inputs(int cin, int cout, int h, int w, int sh, int sw, bool residual, int seed)
    {
        var inputs = Inputs(cin, h, w, seed);
        if (residual) inputs["r"] = SmallGraphs.Random(seed + 3, 1, cout, (h - 1) / sh + 1, (w - 1) / sw + 1);
        return inputs;
    }

    private static CompilerOptions Forced { get; } = CompilerOptions.Default with
    {
        GraphPasses = GraphPipeline.Standard().With(new SubsamplePointwiseConvInput(always: true), after: "SubsamplePointwiseConvInput"),
        VerifyEach = true,
    };

    /// <summary>Runs the forced subsampled conv natively (<paramref name="target"/> null) or with the Machine
    /// interpreter for <paramref name="target"/>; checks the MaxPool was added exactly when a stride exceeds 1, and the result.</summary>
    private static void Check(int cin, int cout, int h, int w, int sh, int sw, bool residual, int opset, int seed, string? target)
    {
        var inputs = Inputs(cin, cout, h, w, sh, sw, residual, seed);
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, sh, sw, residual, opset, seed), inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        var model = new Compiler(Forced).Compile(Build(cin, cout, h, w, sh, sw, residual, opset, seed), inputs);
        Assert.Equal(sh > 1 || sw > 1 ? 1 : 0, model.Graph.Nodes.Count(n => n.OpType == "MaxPool"));
        actual = NativeOrMachine.Run(Build(cin, cout, h, w, sh, sw, residual, opset, seed), Forced, model, inputs, target);
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} s{sh}×{sw} residual {residual} opset {opset}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
