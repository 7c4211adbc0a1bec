using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;

namespace Strata.Runtime.Tests;

/// <summary>Convs whose output rows are short or strided take the channels as the dot's columns: the constant weight
/// re-laid out [kh, kw, ci, co], the input packed along ow, the [ow, co] product stored transposed. Random weights (a
/// wrong permutation or transposition shows), natively on this machine, against the Graph interpreter. Wide weights on
/// small planes also take several output rows per program (Tile DotShape.Rows).</summary>
public class ChannelColumnsConvTests
{
    [Theory]
    [InlineData(16, 32, 7, 3, 1, 1)]   // resnet's late 3×3 convs: 7×7 rows
    [InlineData(20, 16, 11, 3, 2, 1)]  // stride 2, odd rows
    [InlineData(16, 48, 9, 1, 2, 1)]   // a 1×1 downsample
    [InlineData(17, 32, 30, 3, 1, 2)]  // dilation 2 (pads 2): 30 rows, an M tail, a K tail
    [InlineData(128, 512, 7, 3, 1, 1)] // a weight block beyond L2: all 7 rows per program, one 49-position dot per step
    [InlineData(130, 256, 7, 3, 1, 1)] // all 7 rows, the k loop unrolled 4 times over K = 130 (a remainder of 2)
    [InlineData(66, 512, 6, 3, 1, 1)]  // all 6 rows of 6, unrolled over K = 66
    [InlineData(128, 256, 14, 3, 1, 1)] // 7 of 14 rows per program
    [InlineData(64, 512, 13, 3, 2, 1)] // stride 2: 7 rows per program
    public void MatchesTheReference(int cin, int cout, int hw, int k, int stride, int dilationOrOne)
    {
        int pad = k == 1 ? 0 : dilationOrOne;
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Input("x", DataType.Float32, 1, cin, hw, hw);
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(3, cout, cin, k, k)), g.Constant("b", SmallGraphs.Random(4, cout)),
            strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [dilationOrOne, dilationOrOne]);
        g.Output(g.Relu(y), "y");
        var graph = g.Build();
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(5, 1, cin, hw, hw) };
        using var session = InferenceSession.Create(graph, new SessionOptions { Threads = 1 });
        var actual = session.Run(inputs);
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        var expected = SmallGraphs.Reference(graph, inputs);
        // Sums of hundreds of random products cancel to near 0 in places, where a different summation order (the
        // reference's) differs by a few 1e-6: the conformance's absolute tolerance there.
        var comparer = cin * k * k > 256 ? new ValueComparer(1e-3, 1e-5) : ValueComparer.Default;
        Assert.True(comparer.Compare(actual["y"], expected["y"]!) is null, $"y: {comparer.Compare(actual["y"], expected["y"]!)}");
    }
}
