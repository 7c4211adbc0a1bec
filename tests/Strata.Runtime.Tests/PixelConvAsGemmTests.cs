using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>1×1 convs of a 1×1 plane (a classifier after a global pool) as a Gemm between views
/// (<see cref="PixelConvAsGemm"/>): random channels, batch 1–3 (batch 1 takes the GEMV default, N = co with a dividing
/// or masked block), with or without a bias, opsets 9 and 17, against the Graph interpreter on the original graph,
/// natively and with the Machine interpreter on every target.</summary>
public class PixelConvAsGemmTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(1, 256, 1000, true, 9)]    // densenet121's head, small
    [InlineData(2, 33, 17, false, 17)]     // a batch, no bias
    [InlineData(1, 5, 90, false, 9)]       // no bias at opset 9: a zero bias stands in
    public void MatchesTheReferenceOnEveryTarget(int batch, int cin, int cout, bool bias, int opset)
    {
        foreach (var target in Targets) Check(batch, cin, cout, bias, opset, seed: 5, target);
        Check(batch, cin, cout, bias, opset, seed: 5, target: null);
    }

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 300], Gen.Int[1, 300], Gen.Bool, Gen.Int[0, 1000])
            .Sample((batch, cin, cout, bias, seed) =>
            {
                int opset = seed % 2 == 0 ? 9 : 17;
                Check(batch, cin, cout, bias, opset, seed, Targets[seed % Targets.Length]);
                Check(batch, cin, cout, bias, opset, seed, target: null);
            }, iter: 12);

    /// <summary>A conv over a larger plane, a grouped one and one with a kernel wider than 1 stay convs; the 1×1 conv of
    /// the same 1×1 input beside them becomes the one Gemm.</summary>
    [Fact]
    public void OtherConvsStayConvs()
    {
        var g = new GraphBuilder("convs", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 8, 1, 1);
        var plane = g.Conv(g.Input("p", DataType.Float32, 1, 8, 2, 2), g.Constant("wp", SmallGraphs.Random(1, 4, 8, 1, 1)));
        var grouped = g.Conv(x, g.Constant("wg", SmallGraphs.Random(2, 4, 4, 1, 1)), group: 2);
        var wide = g.Conv(x, g.Constant("ww", SmallGraphs.Random(3, 4, 8, 3, 3)), pads: [1, 1, 1, 1]);
        g.Output(plane, "a");
        g.Output(grouped, "b");
        g.Output(wide, "c");
        g.Output(g.Conv(x, g.Constant("wh", SmallGraphs.Random(4, 4, 8, 1, 1))), "d");
        var graph = new PixelConvAsGemm().Run(g.Build());
        Assert.Equal(3, graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Single(graph.Nodes, n => n.OpType == "Gemm");
    }

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int batch, int cin, int cout, bool bias, int opset, int seed)
    {
        var g = new GraphBuilder("head", opset: opset);
        var x = g.GlobalAveragePool(g.Relu(g.Input("x", DataType.Float32, batch, cin, 3, 2)));
        var w = g.Constant("w", SmallGraphs.Random(seed, cout, cin, 1, 1));
        var y = bias ? g.Conv(x, w, g.Constant("b", SmallGraphs.Random(seed + 1, cout))) : g.Conv(x, w);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int batch, int cin, int seed) =>
        new() { ["x"] = SmallGraphs.Random(seed + 2, batch, cin, 3, 2) };

    private static CompilerOptions Options { get; } = CompilerOptions.Default with { VerifyEach = true };

    /// <summary>Runs the rewritten head natively (<paramref name="target"/> null) or with the Machine interpreter for
    /// <paramref name="target"/>; checks the Conv became a Gemm, and the result.</summary>
    private static void Check(int batch, int cin, int cout, bool bias, int opset, int seed, string? target)
    {
        var inputs = Inputs(batch, cin, seed);
        var expected = SmallGraphs.Reference(Build(batch, cin, cout, bias, opset, seed), inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        var model = new Compiler(Options).Compile(Build(batch, cin, cout, bias, opset, seed), inputs);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.Single(model.Graph.Nodes, n => n.OpType == "Gemm");
        actual = NativeOrMachine.Run(Build(batch, cin, cout, bias, opset, seed), Options, model, inputs, target);
        string where = $"{target ?? "native"} batch {batch} {cin}→{cout} bias {bias} opset {opset}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
