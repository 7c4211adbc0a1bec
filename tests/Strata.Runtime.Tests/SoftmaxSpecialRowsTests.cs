using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Softmax's row maximum is a maxnative reduction (its value on a row with a NaN is left to the host's max):
/// rows with a NaN (first, inside, in a lane tail), ±∞, all −∞, +∞ with a NaN, signed zeros give the Graph
/// interpreter's output (NaN at the same positions, the other values within float rounding) on every Machine target
/// (the Machine interpreter) and natively.</summary>
public class SoftmaxSpecialRowsTests
{
    [Theory]
    [InlineData(40)]
    [InlineData(128)]
    [InlineData(7)]
    public void SpecialRowsMatchTheReference(int n)
    {
        var rows = Rows(n);
        var x = new float[rows.Count * n];
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(x, r * n);
        var g = new GraphBuilder("softmax", opset: 17);
        g.Output(g.Softmax(g.Input("x", DataType.Float32, rows.Count, n)), "y");
        var graph = g.Build();
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = Tensor<float>.FromArray(x, rows.Count, n) };
        var expected = ((Tensor)SmallGraphs.Reference(graph, inputs)["y"]!).As<float>().ToArray();
        foreach (var target in Target.Known)
            Check(graph, inputs, expected, n, new SessionOptions { Threads = 1, Level = ExecutionLevel.Machine, Target = target }, target.Name);
        Check(graph, inputs, expected, n, new SessionOptions { Threads = 1, Level = ExecutionLevel.Native }, "native");
    }

    private static void Check(Graph.Graph graph, Dictionary<string, RuntimeValue> inputs, float[] expected, int n, SessionOptions options, string what)
    {
        using var session = InferenceSession.Create(graph, options);
        var actual = ((Tensor)session.Run(inputs)["y"]!).As<float>().ToArray();
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(options.Level, s.Level));
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a) : !float.IsNaN(a) && Math.Abs(a - e) <= 1e-6f + 1e-5f * Math.Abs(e);
            Assert.True(ok, $"{what}, row {i / n} position {i % n}: reference {e:R}, got {a:R}");
        }
    }

    /// <summary>Random rows, each with one special pattern.</summary>
    private static List<float[]> Rows(int n)
    {
        var rng = new Random(11);
        float[] Random() => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        float[] With(params (int At, float Value)[] set)
        {
            var row = Random();
            foreach (var (at, v) in set) row[at % n] = v;
            return row;
        }
        float nan = float.NaN, inf = float.PositiveInfinity, ninf = float.NegativeInfinity;
        return
        [
            Random(),
            With((0, nan)),
            With((n / 2, nan)),
            With((n - 1, nan)),
            With((n - 1, nan), (0, 1e30f)),
            With((1, inf)),
            With((1, inf), (n - 2, inf)),
            With((0, ninf), (n - 1, ninf)),
            Enumerable.Repeat(ninf, n).ToArray(),
            With((0, ninf), (n - 1, nan)),
            With((n / 3, inf), (n - 1, nan)),
            With((n / 3, nan), (n - 1, inf)),
            Enumerable.Repeat(0f, n).Select((_, i) => i % 2 == 0 ? -0f : 0f).ToArray(),
            Enumerable.Repeat(nan, n).ToArray(),
        ];
    }
}
