using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>1×1 convs on short planes (Tile DotShape.WantsChannelColumns, ShortPositions: a quarter of a 7×7 plane's
/// position lanes would be masked) with a long K take the channels as the dot's columns (in blocks of up to 8 vectors,
/// or of 11 where no such block divides them: KnobSpace.ChannelColumnsDividingN): the weight re-laid out
/// [ci, co], positions as micro-tile rows, the [positions, co] product stored transposed through the bias, residual Add
/// and Relu epilogue. Random weights, against the Graph interpreter, natively and with the Machine interpreter on every
/// target; random planes 3..16, channels and residuals, including shapes that keep the GEMM form.</summary>
public class PointwiseChannelColumnsTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(1024, 128, 7, 7, true, true)]    // resnet50's res5 shape class, small co: residual Sum + Relu fused
    [InlineData(1040, 80, 5, 5, false, true)]    // K tail of the 128 block, co in 80-wide blocks, 25 positions
    [InlineData(1024, 33, 7, 7, true, false)]    // co in no 4–8-vector block: keeps N = positions
    [InlineData(1024, 352, 7, 7, false, true)]   // inception_v2's 1024→352: 2 blocks of 176 = 4 + 4 + 3-vector tiles
    [InlineData(1030, 176, 5, 5, true, true)]    // one 176-wide block, K tail, 25 positions
    [InlineData(512, 128, 7, 7, true, true)]     // resnet50's 512→2048 class: K = 512 takes the columns too
    [InlineData(256, 64, 7, 7, false, false)]    // short K: keeps N = positions
    [InlineData(1024, 64, 8, 8, false, false)]   // 64 positions fill their vectors: keeps N = positions
    public void MatchesTheReferenceOnEveryTarget(int cin, int cout, int h, int w, bool residual, bool columns)
    {
        foreach (var target in Targets) Check(cin, cout, h, w, residual, seed: 3, target, columns);
        Check(cin, cout, h, w, residual, seed: 3, target: null, columns);
    }

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[1020, 1100], Gen.Int[0, 6].Select(i => new[] { 64, 80, 96, 128, 48, 24, 176 }[i]), Gen.Int[3, 16], Gen.Int[3, 16], Gen.Bool, Gen.Int[0, 1000])
            .Sample((cin, cout, h, w, residual, seed) =>
            {
                Check(cin, cout, h, w, residual, seed, Targets[seed % Targets.Length], columns: null);
                Check(cin, cout, h, w, residual, seed, target: null, columns: null);
            }, iter: 6);

    // Sums of over a thousand random products cancel to near 0 in places, where another summation order differs by
    // about 1e-5 (seed c52vj8Ml4d31: 0.0019528 vs 0.0019391 over K = 1099 in the GEMM form).
    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static Graph.Graph Build(int cin, int cout, int h, int w, bool residual, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, cin, h, w);
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, 1, 1)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)));
        y = residual ? g.Relu(g.Add(y, g.Input("r", DataType.Float32, 1, cout, h, w))) : g.Relu(y);
        g.Output(y, "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int cin, int cout, int h, int w, bool residual, int seed)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        if (residual) inputs["r"] = SmallGraphs.Random(seed + 3, 1, cout, h, w);
        return inputs;
    }

    /// <summary>Runs the conv natively (<paramref name="target"/> null) or with the Machine interpreter for
    /// <paramref name="target"/>; checks that it took the channels as columns where <paramref name="columns"/> says
    /// (its weight re-laid out as "_rows", then in panels where co > 64), that the conv and its epilogue are one kernel, and the result.</summary>
    private static void Check(int cin, int cout, int h, int w, bool residual, int seed, string? target, bool? columns)
    {
        var inputs = Inputs(cin, cout, h, w, residual, seed);
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, residual, seed), inputs);
        var options = CompilerOptions.Default with { VerifyEach = true };
        var model = new Compiler(options).Compile(Build(cin, cout, h, w, residual, seed), inputs);
        Assert.Single(model.Kernels);
        if (columns is { } c) Assert.Equal(c, model.Kernels[0].Step.Inputs.Any(v => v.Name.Contains("_rows", StringComparison.Ordinal)));
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        actual = NativeOrMachine.Run(Build(cin, cout, h, w, residual, seed), null, model, inputs, target);
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} residual {residual}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
    }
}
