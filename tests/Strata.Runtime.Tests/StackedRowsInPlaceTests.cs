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

/// <summary>Channels-as-columns convs that stack several output rows into one dot (small planes, a weight block beyond
/// L2) over a pre-padded input: the dot reads its stacked rows in place (<see cref="MachineLoweringOptions.StackedRowsInPlace"/>),
/// so the tap loops run inside each micro-tile. Against the Graph interpreter, with the Machine interpreter on every
/// target and natively; strides 1 and 2, pads, ci blocks and co blocks that do not fill the tile.</summary>
public class StackedRowsInPlaceTests
{
    private static readonly string[] Targets = ["x86-64-avx512", "x86-64-avx2", "generic-v128", "scalar"];

    [Theory]
    // 64 input channels: the taps' weight rows for a 128-channel column block (295 KiB) fit 3/4 of every target's L2,
    // and the program's weight block is over the 256 KiB that makes a conv stack its rows (KnobSpace.ChannelColumnRows).
    [InlineData(64, 256, 14, 14, 1, "block.oh = 7")]    // resnet50's 14×14 rows: 2 blocks of 7 rows of 14 × 2 co blocks
    [InlineData(64, 256, 7, 7, 1, "block.oh = 7")]      // short rows of 7: all 7 stacked, 2 co blocks
    [InlineData(64, 256, 14, 14, 2, "block.oh = 7")]    // stride 2 to 7×7: the rows read every other input column
    public void TakesThePathAndMatchesTheReference(int cin, int cout, int h, int w, int stride, string config)
    {
        foreach (var target in Targets)
            Assert.True(Check(cin, cout, h, w, stride, seed: 5, target, config), $"{target}: the stacked rows' taps did not run inside the micro-tile");
        Check(cin, cout, h, w, stride, seed: 5, target: null, config);
    }

    /// <summary>Off, the same conv packs its stacked rows per tap and steps the taps around the dot.</summary>
    [Fact]
    public void TheOptionTurnsItOff() =>
        Assert.False(Check(64, 256, 7, 7, 1, seed: 6, "x86-64-avx512", "block.oh = 7", MachineLoweringOptions.Default with { StackedRowsInPlace = false }));

    [Fact]
    public void RandomStackedRowConvsMatchTheReference() =>
        Gen.Select(Gen.Int[48, 160], Gen.Int[8, 16], Gen.Int[4, 8], Gen.Int[1, 2], Gen.Int[0, 1000])
            .Sample((cin, coutVectors, hw, stride, seed) =>
            {
                // A stride-2 conv reads a plane twice the size of its output.
                int h = stride * hw, w = stride * hw;
                Check(cin, 16 * coutVectors, h, w, stride, seed, Targets[seed % Targets.Length], null);
                Check(cin, 16 * coutVectors, h, w, stride, seed, target: null, null);
            }, iter: 6);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static Graph.Graph Build(int cin, int cout, int h, int w, int stride, int seed)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cin, 3, 3)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
            pads: [1, 1, 1, 1], strides: [stride, stride]);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }

    private static CompilerOptions Options() =>
        CompilerOptions.Default with { GraphPasses = GraphPipeline.Standard(prePadding: ConvPrePadding.Always), VerifyEach = true };

    /// <summary>Runs the conv natively (<paramref name="target"/> null) or with the Machine interpreter and checks the
    /// result; with <paramref name="config"/> a kernel must have that text in its config (the stacked rows). Returns
    /// whether a kernel ran tap loops inside a micro-tile (Machine level only).</summary>
    private static bool Check(int cin, int cout, int h, int w, int stride, int seed, string? target, string? config, MachineLoweringOptions? options = null)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w, stride, seed), inputs);
        IReadOnlyDictionary<string, RuntimeValue?> actual;
        bool nested = false;
        if (target is null)
        {
            using var session = InferenceSession.Create(Build(cin, cout, h, w, stride, seed), new SessionOptions { Threads = 1, Compiler = Options() });
            actual = session.Run(inputs)!;
            Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        }
        else
        {
            var model = new Compiler(Options()).Compile(Build(cin, cout, h, w, stride, seed), inputs);
            if (config is not null)
                Assert.Contains(model.Kernels, c => c.Config?.ToString().Contains(config, StringComparison.Ordinal) == true);
            var machine = MachineCompiler.Lower(model, Target.Get(target), (options ?? MachineLoweringOptions.Default) with { VerifyEach = true });
            nested = machine.Kernels.Any(k => k.Machine is { } m && TapLoopAroundTile(m.Body, inTapLoop: false));
            actual = machine.Run(inputs);
        }
        string where = $"{target ?? "native"} {cin}→{cout} {h}×{w} stride {stride}";
        Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{where}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
        return nested;
    }

    /// <summary>Whether a kw tap loop holds a micro-tile's k loop (<c>p</c>) and no tile loop (<c>i</c>, <c>j</c>).</summary>
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
