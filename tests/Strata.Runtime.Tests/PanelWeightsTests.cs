using CsCheck;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Machine.Lowering;
using Strata.Tile.Passes;

namespace Strata.Runtime.Tests;

/// <summary>A MatMul with a constant B (+ bias, + Gelu) whose B is laid out in panels at compile time
/// (<see cref="PanelContractionWeights"/>) and read in place by the micro-kernel: on every Machine target (the Machine
/// interpreter) and natively, against the Graph interpreter, over M/N/K with tails (N not a multiple of the panel,
/// K tails, single rows of M tiles).</summary>
public class PanelWeightsTests
{
    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    [Theory]
    [InlineData(7, 37, 200, 0)]
    [InlineData(13, 129, 130, 1)]
    [InlineData(6, 64, 192, 2)]
    public void MatchesTheReferenceOnEveryTarget(int m, int k, int n, int epilogue)
    {
        foreach (var target in Target.Known)
            Check(m, k, n, epilogue, seed: 3, ExecutionLevel.Machine, target);
        Check(m, k, n, epilogue, seed: 3, ExecutionLevel.Native, null);
    }

    [Fact]
    public void RandomShapesMatchTheReference() =>
        Gen.Select(Gen.Int[2, 40], Gen.Int[1, 300], Gen.Int[65, 400], Gen.Int[0, 2], Gen.Int[0, 1000])
            .Sample((m, k, n, epilogue, seed) =>
            {
                Check(m, k, n, epilogue, seed, ExecutionLevel.Machine, Target.X86Avx512);
                Check(m, k, n, epilogue, seed, ExecutionLevel.Native, null);
            }, iter: 6);

    /// <summary>B [256, 192] becomes [3, 256, 64] panels, and the avx512 micro-kernel reads them in place: no buffer but
    /// the accumulator (a B it could not read in place would be packed into one). Off, B stays [256, 192].</summary>
    [Fact]
    public void ConstantBIsReadInPanelsInPlace()
    {
        var model = new Compiler(CompilerOptions.Default).Compile(Build(32, 256, 192, 0, 1), Inputs(32, 256, 1));
        var kernel = Assert.Single(model.Kernels);
        Assert.Contains(kernel.Step.Kernel.Inputs, b => b.Shape.SequenceEqual([3L, 256, 64]));
        var machine = BlockToMachine.Lower(kernel.Block!, kernel.Config!, Target.X86Avx512);
        Assert.Single(machine.Buffers);

        var off = new Compiler(CompilerOptions.Default with { PanelConstantWeights = false }).Compile(Build(32, 256, 192, 0, 1), Inputs(32, 256, 1));
        Assert.Contains(Assert.Single(off.Kernels).Step.Kernel.Inputs, b => b.Shape.SequenceEqual([256L, 192]));
    }

    [Fact]
    public void PanelsHoldEveryColumnAndZerosPastN()
    {
        var w = SmallGraphs.Random(5, 3, 70);
        var p = PanelContractionWeights.Panels(w, 64);
        Assert.Equal([2, 3, 64], p.Shape.ToArray());
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 128; j++)
                Assert.Equal(j < 70 ? w[r * 70 + j] : 0f, p[(j / 64 * 3 + r) * 64 + j % 64]);
    }

    private static Graph.Graph Build(int m, int k, int n, int epilogue, int seed)
    {
        var g = new GraphBuilder("mm", opset: 17);
        var a = g.Input("a", DataType.Float32, m, k);
        var y = g.MatMul(a, g.Constant("w", SmallGraphs.Random(seed, k, n)));
        if (epilogue >= 1) y = g.Add(y, g.Constant("bias", SmallGraphs.Random(seed + 1, n)));
        if (epilogue >= 2) y = g.Gelu(y);
        g.Output(y, "y");
        return g.Build();
    }

    private static Dictionary<string, RuntimeValue> Inputs(int m, int k, int seed) => new() { ["a"] = SmallGraphs.Random(seed + 2, m, k) };

    private static void Check(int m, int k, int n, int epilogue, int seed, ExecutionLevel level, Target? target)
    {
        var graph = Build(m, k, n, epilogue, seed);
        var inputs = Inputs(m, k, seed);
        var options = target is null ? new SessionOptions { Threads = 1, Level = level } : new SessionOptions { Threads = 1, Level = level, Target = target };
        using var session = InferenceSession.Create(graph, options);
        var actual = session.Run(inputs);
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(level, s.Level));
        var expected = SmallGraphs.Reference(graph, inputs);
        string what = $"{m}×{k}·{k}×{n} epilogue {epilogue} {level} {target?.Name}";
        Assert.True(Tolerance.Compare(actual["y"], expected["y"]!) is null, $"{what}: {Tolerance.Compare(actual["y"], expected["y"]!)}");
    }
}
