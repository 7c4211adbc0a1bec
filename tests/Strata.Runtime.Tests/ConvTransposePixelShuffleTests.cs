using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>ConvTransposes whose kernel is their stride (<see cref="ConvTransposeAsPixelShuffle"/>) compile to a 1×1 Conv
/// and the interleave of its phases; others keep the gather form. Random weights and biases, against the Graph
/// interpreter on the original graph, natively and with the Machine interpreter on every target; random channels,
/// planes and strides (square or not, with and without bias).</summary>
public class ConvTransposePixelShuffleTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(32, 16, 8, 8, 2, 2, true, true)]     // a U-Net's 2×2/2 upsampling
    [InlineData(12, 5, 5, 7, 3, 2, false, true)]     // a 3×2/(3, 2) kernel, no bias
    [InlineData(8, 4, 6, 6, 1, 4, true, true)]       // one axis not upsampled
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, int sh, int sw, bool bias, bool rewritten)
    {
        foreach (var target in Targets) Check(() => Build(cin, cout, h, w, sh, sw, bias, [], seed: 3), h, w, seed: 3, cin, target, rewritten);
        Check(() => Build(cin, cout, h, w, sh, sw, bias, [], seed: 3), h, w, seed: 3, cin, target: null, rewritten);
    }

    /// <summary>A kernel other than the stride, padding or output padding keeps the ConvTranspose.</summary>
    [Fact]
    public void OtherConvTransposesKeepTheirForm()
    {
        Check(() => Build(8, 4, 5, 5, 2, 2, true, [Graph.Attribute.Of("pads", new long[] { 1, 1, 0, 0 })], seed: 4), 5, 5, seed: 4, 8, target: null, rewritten: false);
        Check(() => Build(8, 4, 5, 5, 2, 2, true, [Graph.Attribute.Of("output_padding", new long[] { 1, 1 })], seed: 4), 5, 5, seed: 4, 8, target: null, rewritten: false);
        Check(() => Build(8, 4, 5, 5, 2, 2, true, [], seed: 4, kernel: 3), 5, 5, seed: 4, 8, target: null, rewritten: false);
    }

    [Fact]
    public void RandomConvTransposesMatchTheReference() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 24], Gen.Int[1, 9], Gen.Int[1, 9], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Bool, Gen.Int[0, 1000])
            .Sample((cin, cout, h, w, sh, sw, bias, seed) =>
            {
                if (sh * sw < 2) sh = 2;
                Check(() => Build(cin, cout, h, w, sh, sw, bias, [], seed), h, w, seed, cin, Targets[seed % Targets.Length], rewritten: true);
                Check(() => Build(cin, cout, h, w, sh, sw, bias, [], seed), h, w, seed, cin, target: null, rewritten: true);
            }, iter: 8);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int sh, int sw, bool bias, Graph.Attribute[] extra, int seed, int? kernel = null)
    {
        var g = new GraphBuilder("upsample", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        long kh = kernel ?? sh, kw = kernel ?? sw;
        var inputs = new List<Var?> { x, g.Constant("w", SmallGraphs.Random(seed, cin, cout, (int)kh, (int)kw)) };
        if (bias) inputs.Add(g.Constant("b", SmallGraphs.Random(seed + 1, cout)));
        Var y = g.Op("ConvTranspose", inputs, [Graph.Attribute.Of("strides", new long[] { sh, sw }), .. extra]);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    /// <summary>Runs natively (<paramref name="target"/> null) or with the Machine interpreter for
    /// <paramref name="target"/>; checks whether the ConvTranspose became a 1×1 Conv, and the result.</summary>
    private static void Check(Func<Graph.Graph> build, int h, int w, int seed, int cin, string? target, bool rewritten)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(build(), inputs);
        var options = CompilerOptions.Default with { VerifyEach = true };
        var model = new Compiler(options).Compile(build(), inputs);
        string where = $"{target ?? "native"} {string.Join("×", build().Nodes.Single(n => n.OpType == "ConvTranspose").Inputs[1]!.Constant!.Shape.ToArray())}";
        Assert.True(rewritten == model.Graph.Nodes.All(n => n.OpType != "ConvTranspose"), $"{where}: rewritten should be {rewritten}");
        var actual = NativeOrMachine.Run(build(), null, model, inputs, target);
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
