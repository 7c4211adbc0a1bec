using System.Collections.Immutable;
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

/// <summary>Tap-nest convs (pre-padded input, kh/kw loops inside each micro-tile) followed by an elementwise chain
/// (bias, ReLU, a residual Add, Clip) that the micro-tile applies to its accumulators before its one store, against
/// the Graph interpreter, with the Machine interpreter on every target and natively. A skipped epilogue or one applied
/// twice (the bias, the residual) changes the values.</summary>
public class TapNestEpilogueTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    /// <summary>The epilogue chains: 0 bias + ReLU, 1 bias + residual Add + ReLU, 2 bias + Clip, 3 residual Add (no bias).</summary>
    private const int Chains = 4;

    [Theory]
    [InlineData(32, 32, 6, 96, 3, 3, 0)]   // rows of 6 whole vectors: the row form (N = ow; up to 4 take the channels as columns)
    [InlineData(32, 32, 6, 96, 3, 3, 1)]
    [InlineData(32, 32, 6, 96, 3, 3, 2)]
    [InlineData(32, 32, 6, 96, 3, 3, 3)]
    [InlineData(24, 40, 5, 48, 3, 3, 1)]   // co not a multiple of the tile rows
    public void FusesTheChainAndMatchesTheReference(int cin, int cout, int h, int w, int kh, int kw, int chain)
    {
        foreach (var target in Targets)
            Assert.True(Check(cin, cout, h, w, kh, kw, chain, seed: 21, target), $"{target}: the epilogue was not applied in the tap-nest micro-tile");
        Check(cin, cout, h, w, kh, kw, chain, seed: 21, target: null);
    }

    [Fact]
    public void RandomConvsAndChainsMatchTheReference() =>
        Gen.Select(Gen.Int[17, 40], Gen.Int[1, 48], Gen.Int[3, 10], Gen.Int[3, 70], Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, Chains - 1])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int kh = Math.Min(t.Item5, t.Item3), kw = Math.Min(t.Item6, t.Item4);
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, t.Item7, t.seed, Targets[t.seed % Targets.Length]);
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, t.Item7, t.seed, target: null);
            }, iter: 12);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    /// <summary>A "same" conv (pads k/2 before, the rest after) so that the residual has the output's shape.</summary>
    private static Graph.Graph Build(int cin, int cout, int h, int w, int kh, int kw, int chain, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var (pads, oh, ow) = Same(h, w, kh, kw);
        var weights = g.Constant("w", SmallGraphs.Random(seed, cout, cin, kh, kw));
        var y = chain == 3 ? g.Conv(x, weights, pads: pads) : g.Conv(x, weights, g.Constant("b", SmallGraphs.Random(seed + 1, cout)), pads: pads);
        if (chain is 1 or 3) y = g.Add(y, g.Input("r", DataType.Float32, 1, cout, oh, ow));
        y = chain == 2 ? g.Clip(y, g.Scalar(-0.5), g.Scalar(0.7)) : chain == 3 ? y : g.Relu(y);
        g.Output(y, "y");
        return g.Build();
    }

    /// <summary>Pads k/2 before and the rest after (one row above for a 1×1 kernel: the input must be padded), and
    /// the output plane.</summary>
    private static (long[] Pads, int Oh, int Ow) Same(int h, int w, int kh, int kw)
    {
        long[] pads = [kh / 2, kw / 2, kh - 1 - kh / 2, kw - 1 - kw / 2];
        if (pads.All(p => p == 0)) pads = [1, 0, 0, 0];
        return (pads, h + (int)(pads[0] + pads[2]) - kh + 1, w + (int)(pads[1] + pads[3]) - kw + 1);
    }

    private static CompilerOptions Options() =>
        CompilerOptions.Default with { GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always), VerifyEach = true };

    /// <summary>Runs natively (<paramref name="target"/> null) or with the Machine interpreter and checks the result;
    /// returns whether a kernel ran its taps inside the micro-tile and read no scratch or local buffer back (the
    /// epilogue in registers: the operands are read in place, C never stored).</summary>
    private static bool Check(int cin, int cout, int h, int w, int kh, int kw, int chain, int seed, string? target)
    {
        var graph = Build(cin, cout, h, w, kh, kw, chain, seed);
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        if (chain is 1 or 3)
        {
            var (_, oh, ow) = Same(h, w, kh, kw);
            inputs["r"] = SmallGraphs.Random(seed + 3, 1, cout, oh, ow);
        }
        var expected = SmallGraphs.Reference(graph, inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        bool fused = false;
        if (target is null)
        {
            using var session = InferenceSession.Create(Build(cin, cout, h, w, kh, kw, chain, seed), new SessionOptions { Threads = 1, Compiler = Options() });
            actual = session.Run(inputs)!;
            Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        }
        else
        {
            var model = new Compiler(Options()).Compile(graph, inputs);
            var machine = MachineCompiler.Lower(model, Target.Get(target), MachineLoweringOptions.Default with { VerifyEach = true });
            fused = machine.Kernels.Any(k => k.Machine is { } m && HasTapLoop(m.Body)
                && !ReadsAny(m.Body, [.. m.Params.Where(p => p.Role == Block.ParamRole.Scratch).Select(p => p.Name), .. m.Buffers.Select(b => b.Name)]));
            actual = machine.Run(inputs);
        }
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} k{kh}×{kw} chain {chain}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
        return fused;
    }

    private static bool HasTapLoop(ImmutableArray<MStmt> body) => body.Any(s => s switch
    {
        LoopStmt l => l.Var.Name.TrimStart('%').StartsWith("kw0", StringComparison.Ordinal) || HasTapLoop(l.Body),
        IfStmt f => HasTapLoop(f.Then) || HasTapLoop(f.Else),
        _ => false,
    });

    private static bool ReadsAny(ImmutableArray<MStmt> body, string[] memories) => body.Any(s => s switch
    {
        LoadStmt l => memories.Contains(l.Memory),
        LoopStmt l => ReadsAny(l.Body, memories),
        IfStmt f => ReadsAny(f.Then, memories) || ReadsAny(f.Else, memories),
        _ => false,
    });
}
