using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Convs with taps whose output rows are a few whole vectors (ow = 16 … 64, Tile
/// DotShape.MaxShortWholeVectorRow) read a padded copy of their input (PrePadConvInput's default rule) and take their
/// channels as the dot's columns, also where a channel's plane is a multiple of 4 KiB (32 × 32); longer rows of whole
/// vectors keep their positions as columns. Random weights, against the Graph interpreter, natively and with the Machine
/// interpreter on every target; random short rows, heights, channels and strides.</summary>
public class ShortRowChannelColumnsTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(40, 32, 16, 16, 1, true)]    // one vector per row: 8 rows of 16 stacked per program
    [InlineData(24, 16, 32, 32, 1, true)]    // a 4 KiB plane
    [InlineData(20, 16, 6, 48, 1, true)]     // three vectors per row
    [InlineData(24, 16, 64, 64, 2, true)]    // 3×3/2 to a 32 × 32 plane of 4 KiB
    [InlineData(24, 16, 4, 128, 1, false)]   // a longer row of whole vectors keeps N = ow
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, int stride, bool columns)
    {
        foreach (var target in Targets) Check(cin, cout, h, w, stride, seed: 5, target, columns);
        Check(cin, cout, h, w, stride, seed: 5, target: null, columns);
    }

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[17, 40].Select(c => c % 16 == 0 ? c + 1 : c), Gen.Int[1, 3], Gen.Int[1, 4], Gen.Int[4, 12], Gen.Int[1, 2], Gen.Int[0, 1000])
            .Sample((cin, cout, vectors, h, stride, seed) =>
            {
                int w = 16 * vectors * stride;
                Check(cin, 16 * cout, h * stride, w, stride, seed, Targets[seed % Targets.Length], columns: true);
                Check(cin, 16 * cout, h * stride, w, stride, seed, target: null, columns: true);
            }, iter: 6);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int stride, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, cin, h, w);
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, 3, 3)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            strides: [stride, stride], pads: [1, 1, 1, 1]);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    /// <summary>Runs the conv natively (<paramref name="target"/> null) or with the Machine interpreter for
    /// <paramref name="target"/>; checks that it read a padded copy, took the channels as columns where
    /// <paramref name="columns"/> says (its weight re-laid out with co innermost), and the result.</summary>
    private static void Check(int cin, int cout, int h, int w, int stride, int seed, string? target, bool columns)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, stride, seed), inputs);
        var options = CompilerOptions.Default with { VerifyEach = true };
        var model = new Compiler(options).Compile(Build(cin, cout, h, w, stride, seed), inputs);
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} s{stride}";
        Assert.Contains(model.Kernels, k => k.Step.Kernel.Outputs.Any(b => b.Name.EndsWith("_padded", StringComparison.Ordinal)));
        var conv = model.Kernels.Single(k => k.Step.Kernel.Outputs.All(b => !b.Name.EndsWith("_padded", StringComparison.Ordinal)));
        // Both forms re-lay the weight out (RelayoutContractionWeights): [kh, kw, ci, co] with co innermost as columns,
        // [kh, kw, co, ci] as rows (cin ≠ cout in every case here).
        int weight = conv.Step.Inputs.IndexOf(conv.Step.Inputs.Single(v => v.Name.Contains("_rows", StringComparison.Ordinal)));
        Assert.True(columns == (conv.Step.Kernel.Inputs[weight].Shape[^1] == cout), $"{where}: channels as columns should be {columns}");
        var actual = NativeOrMachine.Run(Build(cin, cout, h, w, stride, seed), null, model, inputs, target);
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
