using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Windowed kernels (depthwise conv with a bias epilogue, max pool, average-pool sums) of random sizes,
/// paddings, strides and dilations, under the default and a random config, on every target: the Machine interpreter
/// must give the Block interpreter's results, as lowered (edge/interior split of padded rows, hoisted weight
/// broadcasts, fma chains) and after the default Machine passes (loop-invariant scalars hoisted).</summary>
public class WindowedKernelTests
{
    private static string Window(int s, int d, int p, string o, string k) => p == 0
        ? $"add(mul({o}, {s}), mul({k}, {d}))"
        : $"sub(add(mul({o}, {s}), mul({k}, {d})), {p})";

    private static string InBounds(string ih, string iw, int h, int w) =>
        $"and(and(ge({ih}, 0), lt({ih}, {h})), and(ge({iw}, 0), lt({iw}, {w})))";

    /// <summary>kind 0: depthwise conv + bias; 1: max pool; 2: sum pool (AveragePool's numerator); 3: an average pool
    /// whose divisor is picked per output position by comparisons with <paramref name="cut"/> (a select on lane ranges,
    /// as the Tile lowering spells AveragePool's count without padding).</summary>
    private static TileKernel Kernel(int kind, int c, int h, int w, int k, int s, int d, int p, int oh, int ow, (int A, int B) cut = default)
    {
        string ih = Window(s, d, p, "oh", "kh"), iw = Window(s, d, p, "ow", "kw");
        string ok = InBounds(ih, iw, h, w);
        string text = kind switch
        {
            0 => $$"""
                tile.kernel @dw(%x: f32[1,{{c}},{{h}},{{w}}], %w: f32[{{c}},1,{{k}},{{k}}], %b: f32[{{c}}]) -> (%y: f32[1,{{c}},{{oh}},{{ow}}]) {
                  temp %acc: f32[1,{{c}},{{oh}},{{ow}}]
                  domain n = 1, co = {{c}}, oh = {{oh}}, ow = {{ow}}
                  reduce ci = 1, kh = {{k}}, kw = {{k}}
                  %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{ok}}, %x[0, co, {{ih}}, {{iw}}], 0.0 : f32), %w[co, 0, kh, kw])
                  %y[n, co, oh, ow] = add(%acc[0, co, oh, ow], %b[co])
                }
                """,
            1 => $$"""
                tile.kernel @maxpool(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}},{{oh}},{{ow}}]) {
                  domain n = 1, c = {{c}}, oh = {{oh}}, ow = {{ow}}
                  reduce kh = {{k}}, kw = {{k}}
                  %y[n, c, oh, ow] = max[kh, kw] select({{ok}}, %x[0, c, {{ih}}, {{iw}}], -inf : f32)
                }
                """,
            3 => $$"""
                tile.kernel @avgpool(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}},{{oh}},{{ow}}]) {
                  temp %s: f32[1,{{c}},{{oh}},{{ow}}]
                  domain n = 1, c = {{c}}, oh = {{oh}}, ow = {{ow}}
                  reduce kh = {{k}}, kw = {{k}}
                  %s[n, c, oh, ow] = sum[kh, kw] select({{ok}}, %x[0, c, {{ih}}, {{iw}}], 0.0 : f32)
                  %y[n, c, oh, ow] = div(%s[0, c, oh, ow], mul(select(lt(oh, 1), 2.0 : f32, 3.0 : f32), select(lt(ow, {{cut.A}}), 2.0 : f32, select(ge(ow, {{cut.B}}), 5.0 : f32, 3.0 : f32))))
                }
                """,
            _ => $$"""
                tile.kernel @sumpool(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}},{{oh}},{{ow}}]) {
                  domain n = 1, c = {{c}}, oh = {{oh}}, ow = {{ow}}
                  reduce kh = {{k}}, kw = {{k}}
                  %y[n, c, oh, ow] = sum[kh, kw] select({{ok}}, %x[0, c, {{ih}}, {{iw}}], 0.0 : f32)
                }
                """,
        };
        return MachineLoweringCheck.Parse(text);
    }

    private static void CheckAllTargets(TileKernel kernel, Config config, int seed)
    {
        var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
        var block = TileToBlock.Lower(kernel, config);
        var expected = BlockInterpreter.Call(block, inputs);
        foreach (var target in Target.Known)
        {
            var machine = MachineLoweringCheck.Check(block, config, target, inputs, seed);
            var hoisted = MachinePipeline.Default.Run(machine);
            MachineVerifier.Verify(hoisted);
            var actual = MachineInterpreter.Call(hoisted, inputs, new MachineRunOptions(ProgramOrder.Shuffled, seed));
            for (int o = 0; o < expected.Count; o++)
                if (MachineLoweringCheck.Compare(expected[o], actual[o]) is { } diff)
                    Assert.Fail($"{target} under {config} after the default passes: output {o} {diff}\n{MachinePrinter.Print(hoisted)}");
        }
    }

    [Fact]
    public void RandomWindowsOnEveryTarget()
    {
        Gen.Select(Gen.Select(Gen.Int[0, 2], Gen.Int[1, 3], Gen.Int[1, 24], Gen.Int[1, 70]), Gen.Select(Gen.Int[1, 4], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[0, 3]), Gen.Int)
            .Sample((shape, window, seed) =>
            {
                var (kind, c, h, w) = shape;
                var (k, s, d, pad) = window;
                int p = Math.Min(pad, k - 1);
                int oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
                if (oh < 1 || ow < 1 || h + 2 * p - d * (k - 1) - 1 < 0 || w + 2 * p - d * (k - 1) - 1 < 0) return;
                var kernel = Kernel(kind, c, h, w, k, s, d, p, oh, ow);
                var space = KnobSpace.For(kernel);
                CheckAllTargets(kernel, space.Default(), seed);
                CheckAllTargets(kernel, space.Random(new Random(seed)), seed);
            }, iter: 40);
    }

    /// <summary>Pools as ONNX lays them out: strides 1..3, dilations, a padding per side and ceil_mode (the last window
    /// may hang over the end padding); max pools read padding as -inf through the load's other, averages divide by a
    /// per-position constant chosen on lane ranges.</summary>
    [Fact]
    public void RandomPoolsOnEveryTarget()
    {
        Gen.Select(Gen.Select(Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[1, 24], Gen.Int[1, 70]),
                Gen.Select(Gen.Int[1, 4], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool), Gen.Int)
            .Sample((shape, window, seed) =>
            {
                var (kind, c, h, w) = shape;
                var (k, s, d, padBegin, padEnd, ceil) = window;
                int pb = Math.Min(padBegin, k - 1), pe = Math.Min(padEnd, k - 1), span = d * (k - 1) + 1;
                int Out(int n)
                {
                    int room = n + pb + pe - span;
                    if (room < 0) return 0;
                    int o = (ceil ? (room + s - 1) / s : room / s) + 1;
                    // ceil_mode drops a last window that starts in the end padding.
                    return ceil && (o - 1) * s >= n + pb ? o - 1 : o;
                }
                int oh = Out(h), ow = Out(w);
                if (oh < 1 || ow < 1) return;
                var rng = new Random(seed);
                int a = rng.Next(ow + 1), b = rng.Next(ow + 1);
                var kernel = Kernel(kind, c, h, w, k, s, d, pb, oh, ow, (Math.Min(a, b), Math.Max(a, b)));
                var space = KnobSpace.For(kernel);
                CheckAllTargets(kernel, space.Default(), seed);
                CheckAllTargets(kernel, space.Random(new Random(seed)), seed);
            }, iter: 40);
    }

    [Theory]
    [InlineData(3, 64, 28, 1, 1, 28, true)] // AveragePool 3×3/1 (inception v2): 28 rows in blocks of 14, not 16 + 12
    [InlineData(1, 4, 109, 2, 0, 54, true)] // MaxPool 3×3/2 (zfnet512): 54 rows in blocks of 6, not 8 with a masked tail
    [InlineData(1, 256, 55, 2, 0, 27, false)] // 27 rows: no divisor at least half of 8, so 9 (the grid keeps 64+ programs)
    [InlineData(1, 128, 55, 2, 0, 27, true)] // squeezenet's pool3: 9 would leave 48 programs, under 64, so 3 (not 8 with a masked tail)
    public void PoolRowBlocksDivideTheirExtent(int kind, int c, int h, int s, int p, int oh, bool run)
    {
        var kernel = Kernel(kind, c, h, h, 3, s, 1, p, oh, oh, (1, oh - 1));
        var space = KnobSpace.For(kernel);
        var config = space.Default();
        int block = space.Resolve(config).Block("oh");
        Assert.True(block < oh && oh % block == 0, config.ToString());
        if (!run) return;
        // The divisor's blends of constants (the interior rows' first and last vectors) are made once, before the loops.
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 7));
        if (kind == 3)
            Assert.Contains(machine.Body.TakeWhile(st => st is not LoopStmt), st => st is StoreStmt { Memory: var m } && m.StartsWith("blend", StringComparison.Ordinal));
        CheckAllTargets(kernel, config, 7);
    }

    [Fact]
    public void WideRowsOfADepthwiseConvHaveAnUnmaskedInterior()
    {
        var kernel = Kernel(0, 2, 8, 112, 3, 1, 1, 1, 8, 112);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 3));
        var lines = MachinePrinter.Print(machine).Split('\n');
        // The interior copy of the 9 taps: plain vector loads of %x, each feeding an fma with a broadcast made before the loops.
        Assert.True(lines.Count(l => l.Contains("= load %x[", StringComparison.Ordinal) && l.EndsWith(": v16f32", StringComparison.Ordinal)) >= 9,
            string.Join('\n', lines));
        Assert.True(lines.Count(l => l.Contains(" = fma ", StringComparison.Ordinal)) >= 18);
        Assert.DoesNotContain(lines, l => l.Contains(" = mul ", StringComparison.Ordinal) && l.EndsWith("v16f32", StringComparison.Ordinal));
    }

    [Fact]
    public void RowsClearOfThePaddingHaveConstantRangesAndProvenLoads()
    {
        // 28-wide rows: a full vector and a 12-lane tail, both edges. Rows whose window is clear of the padding run a
        // version without the row masks: every range there is a constant and bounds analysis ties the row index to
        // the condition, so no access needs a run-time check.
        var kernel = Kernel(0, 2, 28, 28, 3, 1, 1, 1, 28, 28);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 5));
        var constants = Constants(machine);
        var version = Flatten(machine.Body).OfType<IfStmt>().Single();
        var loads = Flatten(version.Then).OfType<LoadStmt>().Where(l => l.Memory == "x").ToList();
        Assert.Equal(18, loads.Count);
        Assert.All(loads, l => Assert.True((l.From is null || constants.Contains(l.From.Name)) && (l.Count is null || constants.Contains(l.Count.Name)), MachinePrinter.Print(machine)));
        Assert.DoesNotContain(Flatten(version.Then), s => s is LoopStmt);
        var report = BoundsAnalysis.Analyze(machine);
        Assert.All(Flatten(version.Then).Where(s => s is LoadStmt or StoreStmt), s => Assert.True(report.IsProven(s), MachinePrinter.Print(s)));
    }

    private static HashSet<string> Constants(MachineKernel machine) => machine.Body.OfType<ConstStmt>().Select(c => c.Target.Name).ToHashSet();

    private static IEnumerable<MStmt> Flatten(IEnumerable<MStmt> stmts) => stmts.SelectMany(s => s switch
    {
        LoopStmt l => Flatten(l.Body).Prepend(s),
        IfStmt f => Flatten(f.Then).Concat(Flatten(f.Else)).Prepend(s),
        _ => [s],
    });

    [Fact]
    public void PaddingRowsOfAContiguousWindowAreWrittenOutAtConstantStarts()
    {
        // A 3×3/1 sum pool (AveragePool's numerator) on 28-wide rows: the rows whose window reaches into the padding
        // (2 of 28) keep their row masks, but their vectors are written out as in the other version, so each load's
        // lane start is a constant instead of a function of a loop counter (measured: a 192×28×28 average pool
        // 88–102 → 68 µs).
        var kernel = Kernel(2, 2, 28, 28, 3, 1, 1, 1, 28, 28);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 5));
        var constants = Constants(machine);
        var version = Flatten(machine.Body).OfType<IfStmt>().Single();
        var loads = Flatten(version.Else).OfType<LoadStmt>().Where(l => l.Memory == "x").ToList();
        Assert.Equal(18, loads.Count);
        Assert.All(loads, l => Assert.True(l.From is null || constants.Contains(l.From.Name), MachinePrinter.Print(machine)));
        Assert.DoesNotContain(Flatten(version.Else), s => s is LoopStmt);
        CheckAllTargets(kernel, config, 5);
    }

    [Fact]
    public void PaddingRowsOfAStridedWindowKeepTheirLoop()
    {
        // A 3×3/2 max pool on 56-wide rows reads with lane stride 2: written out, its ranged stride-2 loads made
        // RyuJIT spill (inception_v2's first max pool 15% slower), so its padding rows keep one loop over the vectors.
        var kernel = Kernel(1, 2, 56, 56, 3, 2, 1, 1, 28, 28);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 6));
        var version = Flatten(machine.Body).OfType<IfStmt>().Single();
        Assert.Contains(Flatten(version.Else), s => s is LoopStmt);
        Assert.Contains(Flatten(version.Else), s => s is LoadStmt { Stride: 2 });
        CheckAllTargets(kernel, config, 6);
    }
}
