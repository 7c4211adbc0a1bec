using CsCheck;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>In-place concats (<see cref="Tile.Fusion.InPlaceConcat"/>): the inputs of a channel Concat are placed inside
/// its buffer so their producers write the concat. Natively, against the Graph interpreter, and the arena must never
/// put two values live at a common step on common bytes unless one lies inside the other.</summary>
public sealed class InPlaceConcatTests
{
    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-4, AbsoluteTolerance: 1e-5);

    /// <summary>A densenet block: each layer concatenates a conv of the pre-activation (BN+ReLU) of the previous concat.
    /// Every concat is placed (they nest: concat i is the first input of concat i + 1, and also read by layer i's BN).</summary>
    [Theory]
    [InlineData(ExecutionLevel.Native, null)]
    [InlineData(ExecutionLevel.Machine, "scalar")]
    [InlineData(ExecutionLevel.Machine, "x86-64-avx2")]
    [InlineData(ExecutionLevel.Block, null)]
    public void DenseBlockConcatsAreAllPlaced(ExecutionLevel level, string? target)
    {
        var g = new GraphBuilder("dense", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 4, 6, 7);
        var features = g.Relu(x * 2f);
        for (int i = 0; i < 4; i++)
        {
            int c = 4 + 3 * i;
            var pre = g.Relu(features * g.Constant($"s{i}", SmallGraphs.Random(10 + i, 1, c, 1, 1)) + g.Constant($"b{i}", SmallGraphs.Random(20 + i, 1, c, 1, 1)));
            var grown = g.Conv(pre, g.Constant($"w{i}", SmallGraphs.Random(30 + i, 3, c, 3, 3)), pads: [1, 1, 1, 1]);
            features = g.Concat(1, features, grown);
        }
        g.Output(g.Sigmoid(features), "y");
        var options = new SessionOptions { Threads = 1, Level = level };
        if (target is not null) options = options with { Target = Target.Known.Single(t => t.Name == target) };
        var (program, _) = Check(g.Build(), SmallGraphs.Random(7, 1, 4, 6, 7), $"{level} {target}", options);
        Assert.Equal(4, program.Stats.InPlaceKernels);
    }

    /// <summary>A value in two concats sits inside one of them; the other concat runs as a copy (and a concat of one
    /// value twice, or of a graph input, is not placed at all).</summary>
    [Fact]
    public void AValueInTwoConcatsIsPlacedOnce()
    {
        var g = new GraphBuilder("twice", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, 3, 5, 5);
        var a = g.Relu(x);
        var b = g.Sigmoid(x);
        var c = g.Concat(1, a, b);
        var d = g.Concat(1, b, g.Exp(x * 0.5f));
        var e = g.Concat(1, a, a);
        var f = g.Concat(1, x, a);
        g.Output(c * d, "cd");
        g.Output(e + f, "ef");
        var (program, _) = Check(g.Build(), SmallGraphs.Random(3, 1, 3, 5, 5));
        Assert.Equal(1, program.Stats.InPlaceKernels);
    }

    /// <summary>Random graphs of concats (nested, of convs and pointwise ops, values also read elsewhere or as graph
    /// outputs, batch 2 where a concat is not contiguous) match the reference, with a sound arena.</summary>
    [Fact]
    public void RandomConcatGraphsMatchTheReference() =>
        Gen.Int[0, 1_000_000].Sample(seed => CheckRandom(seed), iter: 25);

    private static void CheckRandom(int seed)
    {
        var r = new Random(seed);
        int n = r.Next(4) == 0 ? 2 : 1, c0 = r.Next(1, 5), h = r.Next(1, 5), w = r.Next(1, 9);
        var g = new GraphBuilder("concats", opset: 17);
        var x = g.Input("x", DataType.Float32, n, c0, h, w);
        var pool = new List<(Var V, int C)> { (g.Relu(x * 1.5f), c0) };
        if (r.Next(3) == 0) pool.Add((x, c0)); // a graph input in a concat: never placed
        int steps = r.Next(3, 10);
        for (int s = 0; s < steps; s++)
        {
            var (v, c) = pool[r.Next(pool.Count)];
            switch (r.Next(5))
            {
                case 0:
                    pool.Add((r.Next(2) == 0 ? g.Sigmoid(v) : v * 0.5f + 0.25f, c));
                    break;
                case 1:
                {
                    int co = r.Next(1, 9);
                    pool.Add((g.Conv(v, g.Constant($"w{s}", SmallGraphs.Random(seed + s, co, c, 1, 1))), co));
                    break;
                }
                default:
                {
                    var parts = Enumerable.Range(0, r.Next(1, 4)).Select(_ => pool[r.Next(pool.Count)]).ToList(); // repeats allowed
                    pool.Add((g.Concat(1, [.. parts.Select(p => p.V)]), parts.Sum(p => p.C)));
                    break;
                }
            }
        }
        g.Output(pool[^1].V, "y");
        // Some other values as graph outputs too (a concat or a concat input that is an output is never placed).
        foreach (var (p, i) in pool.Select((p, i) => (p, i)).Where(t => t.i < pool.Count - 1 && !ReferenceEquals(t.p.V, x) && r.Next(4) == 0))
            g.Output(p.V, $"o{i}");
        Check(g.Build(), SmallGraphs.Random(seed + 99, n, c0, h, w), $"seed {seed}");
    }

    internal static (NativeProgram Program, IReadOnlyDictionary<string, RuntimeValue?> Outputs) Check(Graph.Graph graph, Tensor<float> x,
        string what = "", SessionOptions? options = null)
    {
        options ??= new SessionOptions { Threads = 1 };
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = x };
        var expected = SmallGraphs.Reference(graph, inputs);
        using var session = InferenceSession.Create(graph, options);
        var actual = session.Run(inputs);
        var program = session.Programs.Single();
        Assert.All(program.Stats.Kernels, k => Assert.Equal(options.Level, k.Level));
        foreach (var (name, value) in expected)
            Assert.True(Tolerance.Compare(actual[name]!, value!) is null, $"{what} {name}: {Tolerance.Compare(actual[name]!, value!)}");
        AssertSoundArena(program.ArenaValues, what);
        // A second run reuses the arena: still right.
        var again = session.Run(inputs);
        foreach (var (name, value) in expected)
            Assert.True(Tolerance.Compare(again[name]!, value!) is null, $"{what} second run {name}");
        return (program, actual);
    }

    /// <summary>Independent of the runtime's own check: every two values live at a common step and sharing a byte lie one
    /// inside the other, and a value placed inside another lies within its bytes.</summary>
    internal static void AssertSoundArena(IReadOnlyList<ArenaValue> values, string what)
    {
        var byName = values.GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.Single());
        foreach (var v in values.Where(v => v.Inside is not null))
        {
            var parent = byName[v.Inside!];
            Assert.True(v.Offset >= parent.Offset && v.Offset + v.Bytes <= parent.Offset + parent.Bytes, $"{what}: {v} not within {parent}");
            Assert.True(parent.FirstStep <= v.FirstStep && v.LastStep <= parent.LastStep, $"{what}: {v} outlives {parent}");
        }
        for (int i = 0; i < values.Count; i++)
            for (int j = i + 1; j < values.Count; j++)
            {
                var (a, b) = (values[i], values[j]);
                bool live = a.FirstStep <= b.LastStep && b.FirstStep <= a.LastStep;
                bool share = a.Bytes > 0 && b.Bytes > 0 && a.Offset < b.Offset + b.Bytes && b.Offset < a.Offset + a.Bytes;
                if (live && share) Assert.True(Within(a, b) || Within(b, a), $"{what}: {a} and {b} share bytes while both live");
            }

        bool Within(ArenaValue inner, ArenaValue outer)
        {
            for (var s = inner; s.Inside is not null;)
                if (ReferenceEquals(s = byName[s.Inside], outer)) return true;
            return false;
        }
    }
}
