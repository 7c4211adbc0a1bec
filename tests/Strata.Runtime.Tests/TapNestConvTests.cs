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

/// <summary>Convs over a pre-padded input (<see cref="PrePadConvInput"/>, forced) whose tap loops run inside each
/// micro-tile (<see cref="MachineLoweringOptions.TapLoopsInTile"/>: the accumulators stay in registers over all taps),
/// against the Graph interpreter, with the Machine interpreter on every target and natively. Random channels, planes,
/// kernel sizes and pads (asymmetric, wider than the kernel); the fixed shapes must take the path (a kw loop around a
/// micro-tile's k loop).</summary>
public class TapNestConvTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    [InlineData(64, 64, 20, 20, 3, 3, 1, 1, 1, 1)]   // resnet's 3×3 64→64, small plane: channels as columns
    [InlineData(24, 40, 9, 30, 3, 3, 1, 1, 1, 1)]    // rows of ~2 vectors, co not a vector multiple
    [InlineData(33, 17, 12, 13, 5, 3, 2, 0, 1, 2)]   // 5×3 kernel, asymmetric pads
    [InlineData(256, 8, 2, 64, 3, 3, 1, 1, 1, 1)]    // 2 ci blocks × 3×3 taps over a row of whole vectors: B's distinct bytes (198 KiB, not 576) fit half a 512 KiB L2
    [InlineData(512, 32, 3, 20, 3, 3, 1, 1, 1, 1)]   // 4 ci blocks × 3×3 taps × 32 channels as columns: the whole nest (576 KiB) is over 3/4 of a 512 KiB L2, the taps alone (144 KiB) go inside the tile, the ci-block loop around it
    public void TakesThePathAndMatchesTheReference(int cin, int cout, int h, int w, int kh, int kw, int top, int left, int bottom, int right)
    {
        long[] pads = [top, left, bottom, right];
        foreach (var target in Targets) Assert.True(Check(cin, cout, h, w, kh, kw, pads, seed: 11, target), $"{target}: the tap loops did not run inside the micro-tile");
        Check(cin, cout, h, w, kh, kw, pads, seed: 11, target: null);
    }

    /// <summary>Off, the same conv steps its taps around the dot (the path is the option's, nothing else).</summary>
    [Fact]
    public void TheOptionTurnsItOff() =>
        Assert.False(Check(64, 64, 20, 20, 3, 3, [1, 1, 1, 1], seed: 12, "x86-64-avx512", MachineLoweringOptions.Default with { TapLoopsInTile = false }));

    [Fact]
    public void RandomConvsMatchTheReference() =>
        Gen.Select(Gen.Int[17, 48], Gen.Int[1, 80], Gen.Int[4, 30], Gen.Int[4, 40], Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[0, 255])
            .Select(Gen.Int[0, 1000], (s, seed) => (s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, seed))
            .Sample(t =>
            {
                int kh = Math.Min(t.Item5, t.Item3), kw = Math.Min(t.Item6, t.Item4);
                long[] pads = [t.Item7 & 3, (t.Item7 >> 2) & 3, (t.Item7 >> 4) & 3, (t.Item7 >> 6) & 3];
                if (pads.All(p => p == 0)) pads[0] = 1;
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, pads, t.seed, Targets[t.seed % Targets.Length]);
                Check(t.Item1, t.Item2, t.Item3, t.Item4, kh, kw, pads, t.seed, target: null);
            }, iter: 12);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int kh, int kw, long[] pads, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, kh, kw)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)), pads: pads);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    private static CompilerOptions Options() =>
        CompilerOptions.Default with { GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always), VerifyEach = true };

    /// <summary>Runs the conv natively (<paramref name="target"/> null) or with the Machine interpreter, checks the
    /// result; returns whether a kernel ran tap loops inside a micro-tile (Machine level only).</summary>
    private static bool Check(int cin, int cout, int h, int w, int kh, int kw, long[] pads, int seed, string? target, MachineLoweringOptions? options = null)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, kh, kw, pads, seed), inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        bool nested = false;
        if (target is null)
        {
            using var session = InferenceSession.Create(Build(cin, cout, h, w, kh, kw, pads, seed), new SessionOptions { Threads = 1, Compiler = Options() });
            actual = session.Run(inputs)!;
            Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        }
        else
        {
            var model = new Compiler(Options()).Compile(Build(cin, cout, h, w, kh, kw, pads, seed), inputs);
            var machine = MachineCompiler.Lower(model, Target.Get(target), (options ?? MachineLoweringOptions.Default) with { VerifyEach = true });
            nested = machine.Kernels.Any(k => k.Machine is { } m && TapLoopAroundTile(m.Body, inTapLoop: false));
            actual = machine.Run(inputs);
        }
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} k{kh}×{kw} pads [{string.Join(",", pads)}]";
        var tolerance = SumTolerance.For((long)cin * kh * kw);
        Assert.True(tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {tolerance.Compare(actual["y"]!, expected["y"]!)}");
        return nested;
    }

    /// <summary>Whether a kw tap loop holds a micro-tile's k loop (<c>p</c>) and no tile loop (<c>i</c>, <c>j</c>): the
    /// taps run inside the tile, not the tiles inside each tap.</summary>
    private static bool TapLoopAroundTile(ImmutableArray<MStmt> body, bool inTapLoop)
    {
        foreach (var s in body)
        {
            if (s is IfStmt f && (TapLoopAroundTile(f.Then, inTapLoop) || TapLoopAroundTile(f.Else, inTapLoop))) return true;
            if (s is not LoopStmt l) continue;
            string name = l.Var.Name.TrimStart('%');
            if (inTapLoop && (name == "i" || name.StartsWith("i_", StringComparison.Ordinal) || name == "j" || name.StartsWith("j_", StringComparison.Ordinal))) return false;
            if (inTapLoop && (name == "p" || name.StartsWith("p_", StringComparison.Ordinal))) return true;
            if (TapLoopAroundTile(l.Body, inTapLoop || name.StartsWith("kw0", StringComparison.Ordinal))) return true;
        }
        return false;
    }
}
