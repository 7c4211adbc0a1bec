using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>A Conv (+ bias, "same" pads, <c>groups</c> groups) followed by Relu on random data, run at one level (and
/// Machine target) against the Graph interpreter; with <c>config</c>, the default compilation must also contain a
/// kernel whose config has that text (the blocks the test is about).</summary>
internal static class ConvReluCheck
{
    public static void Run(int groups, int cinPerGroup, int coutPerGroup, int h, int w, int k, int seed, ExecutionLevel level,
        Target? target, string? config, ValueComparer tolerance)
    {
        int cin = groups * cinPerGroup, cout = groups * coutPerGroup, pad = k / 2;
        Graph.Graph Build()
        {
            var g = new GraphBuilder("conv", opset: 17);
            var x = g.Input("x", DataType.Float32, 1, cin, h, w);
            var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(seed, cout, cinPerGroup, k, k)), g.Constant("b", SmallGraphs.Random(seed + 1, cout)),
                pads: [pad, pad, pad, pad], group: groups);
            g.Output(g.Relu(y), "y");
            return g.Build();
        }
        var graph = Build();
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(seed + 2, 1, cin, h, w) };
        if (config is not null)
        {
            var model = new Compiler(CompilerOptions.Default).Compile(Build(), inputs);
            Assert.Contains(model.Kernels, c => c.Config?.ToString().Contains(config, StringComparison.Ordinal) == true);
        }
        var options = target is null ? new SessionOptions { Threads = 1, Level = level } : new SessionOptions { Threads = 1, Level = level, Target = target };
        using var session = InferenceSession.Create(graph, options);
        var actual = session.Run(inputs);
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(level, s.Level));
        var expected = SmallGraphs.Reference(graph, inputs);
        string what = $"{groups} groups {cinPerGroup}→{coutPerGroup} {h}×{w} k{k} {level} {target?.Name}";
        Assert.True(tolerance.Compare(actual["y"], expected["y"]!) is null, $"{what}: {tolerance.Compare(actual["y"], expected["y"]!)}");
    }
}
