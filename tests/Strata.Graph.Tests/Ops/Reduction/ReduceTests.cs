using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class ReduceTests
{
    private static readonly string[] Ops =
        ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

    /// <summary>The definition of each op on one group of elements, written independently of the engine.</summary>
    private static double Naive(string op, List<double> g) => op switch
    {
        "ReduceSum" => g.Sum(),
        "ReduceMean" => g.Count == 0 ? double.NaN : g.Average(),
        "ReduceMax" => g.Count == 0 ? double.NegativeInfinity : g.Max(),
        "ReduceMin" => g.Count == 0 ? double.PositiveInfinity : g.Min(),
        "ReduceProd" => g.Aggregate(1.0, (a, b) => a * b),
        "ReduceL1" => g.Sum(Math.Abs),
        "ReduceL2" => Math.Sqrt(g.Sum(v => v * v)),
        "ReduceLogSum" => Math.Log(g.Sum()),
        "ReduceLogSumExp" => Math.Log(g.Sum(Math.Exp)),
        "ReduceSumSquare" => g.Sum(v => v * v),
        _ => throw new ArgumentException(op),
    };

    /// <summary>Groups the elements of a tensor by their index with the reduced axes set to 0.</summary>
    private static (List<double>[] Groups, int[] KeptShape) Group(double[] x, int[] shape, bool[] reduced)
    {
        var keptShape = shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var groups = Enumerable.Range(0, ShapeMath.Size(keptShape)).Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            var idx = Unravel(i, shape);
            for (int d = 0; d < idx.Length; d++) if (reduced[d]) idx[d] = 0;
            groups[Ravel(idx, keptShape)].Add(x[i]);
        }
        return (groups, keptShape);
    }

    private static readonly Gen<(int[] Shape, bool[] Reduced, bool Keep, float[] Data, int Op)> Cases =
        from shape in Gen.Int[1, 4].Array[1, 4]
        from reduced in Gen.Bool.Array[shape.Length]
        from keep in Gen.Bool
        from data in Gen.Float[0.1f, 3f].Array[ShapeMath.Size(shape)]
        from op in Gen.Int[0, Ops.Length - 1]
        select (shape, reduced, keep, data, op);

    [Fact]
    public void EveryReduceOpMatchesItsDefinitionOverRandomAxes()
    {
        Cases.Sample((shape, reduced, keep, data, opIndex) =>
        {
            string op = Ops[opIndex];
            var axes = Enumerable.Range(0, shape.Length).Where(i => reduced[i]).Select(i => (long)(i % 2 == 0 ? i : i - shape.Length)).ToArray();
            var y = Run1(op, [F(data, shape), axes.Length == 0 ? null : L(axes)], [A("keepdims", keep ? 1L : 0L)], opset: 18, constants: [1]);
            // No axes = reduce everything.
            var effective = axes.Length == 0 ? shape.Select(_ => true).ToArray() : reduced;
            var (groups, keptShape) = Group(data.Select(v => (double)v).ToArray(), shape, effective);
            var expectedShape = keep ? keptShape : shape.Where((_, i) => !effective[i]).ToArray();
            Assert.Equal(expectedShape, y.Shape);
            Close(groups.Select(g => Naive(op, g)).ToArray(), Doubles(y), rtol: 1e-5);
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void AxesAttributeBeforeOpset18AndOpset13ForReduceSum()
    {
        var x = F([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal([6.0, 15.0], Doubles(Run1("ReduceSum", [x], [A("axes", [1L]), A("keepdims", 0L)], opset: 11)));
        Assert.Equal([6.0, 15.0], Doubles(Run1("ReduceSum", [x, L(1)], [A("keepdims", 0L)], opset: 13, constants: [1])));
        Assert.Equal([4.0, 5.0, 6.0], Doubles(Run1("ReduceMax", [x], [A("axes", [0L]), A("keepdims", 0L)], opset: 13)));
        Assert.Equal([1.0, 2.0, 3.0], Doubles(Run1("ReduceMin", [x, L(0)], [A("keepdims", 0L)], opset: 18, constants: [1])));
        var all = Run1("ReduceProd", [x], [A("keepdims", 0L)], opset: 13);
        Assert.Empty(all.Shape);
        Assert.Equal([720.0], Doubles(all));
    }

    [Fact]
    public void AxesInputNotKnownAtCompileTimeStillRuns()
    {
        var y = Run1("ReduceMean", [F([1, 2, 3, 4], 2, 2), L(-1)], opset: 18);
        Assert.Equal([2, 1], y.Shape);
        Assert.Equal([1.5, 3.5], Doubles(y));
    }

    [Theory]
    [InlineData("ReduceSum", 1.0, 2.0)]
    [InlineData("ReduceSumSquare", 1.0, 4.0)]
    [InlineData("ReduceL1", 1.0, 2.0)]
    [InlineData("ReduceMax", -1.0, 2.0)]
    public void NoopWithEmptyAxesReducesEachElementAlone(string op, double first, double second)
    {
        var x = F([first < 0 ? -1 : 1, 2], 2);
        var y = Run1(op, [x, Of<long>([], 0)], [A("noop_with_empty_axes", 1L)], opset: 18, constants: [1]);
        Assert.Equal([2], y.Shape);
        Assert.Equal([first, second], Doubles(y));
    }

    [Theory]
    [InlineData("ReduceSum", 0.0)]
    [InlineData("ReduceProd", 1.0)]
    [InlineData("ReduceMax", double.NegativeInfinity)]
    [InlineData("ReduceMin", double.PositiveInfinity)]
    [InlineData("ReduceL1", 0.0)]
    [InlineData("ReduceL2", 0.0)]
    [InlineData("ReduceSumSquare", 0.0)]
    [InlineData("ReduceLogSum", double.NegativeInfinity)]
    [InlineData("ReduceLogSumExp", double.NegativeInfinity)]
    public void ReductionOverAnEmptyAxisGivesTheIdentity(string op, double identity)
    {
        var y = Run1(op, [new Tensor<float>([2, 0, 4]), L(1)], opset: 20, constants: [1]);
        Assert.Equal([2, 1, 4], y.Shape);
        Assert.All(Doubles(y), v => Assert.Equal(identity, v));
    }

    [Fact]
    public void EmptyInputWithAKeptZeroAxisGivesAnEmptyOutput()
    {
        var y = Run1("ReduceSum", [new Tensor<float>([2, 0, 4]), L(2)], opset: 13, constants: [1]);
        Assert.Equal([2, 0, 1], y.Shape);
    }

    [Fact]
    public void IntegerReductionsAreExactAndEmptyMaxIsTheTypeMinimum()
    {
        var big = Of<long>([long.MaxValue - 10, 3, 4, -2], [2, 2]);
        Assert.Equal([long.MaxValue - 7, 2], ((Tensor<long>)Run1("ReduceSum", [big, L(1)], [A("keepdims", 0L)], opset: 18, constants: [1])).ToArray());
        Assert.Equal([long.MaxValue - 10, 3], ((Tensor<long>)Run1("ReduceMax", [big, L(0)], [A("keepdims", 0L)], opset: 18, constants: [1])).ToArray());
        var mean = (Tensor<int>)Run1("ReduceMean", [Of<int>([1, 2, -7, 2], [2, 2]), L(1)], [A("keepdims", 0L)], opset: 18, constants: [1]);
        Assert.Equal([1, -2], mean.ToArray());
        var empty = (Tensor<int>)Run1("ReduceMax", [Of<int>([], 2, 0), L(1)], opset: 18, constants: [1]);
        Assert.Equal([int.MinValue, int.MinValue], empty.ToArray());
        var l1 = (Tensor<sbyte>)Run1("ReduceL1", [Of<sbyte>([-3, 4, -5], [3])], opset: 18);
        Assert.Equal([(sbyte)12], l1.ToArray());
    }

    [Fact]
    public void RandomIntegerSumsMatchWrappingArithmetic()
    {
        var gen = from shape in Gen.Int[1, 5].Array[1, 3]
                  from data in Gen.Int.Array[ShapeMath.Size(shape)]
                  from axis in Gen.Int[0, shape.Length - 1]
                  select (shape, data, axis);
        gen.Sample((shape, data, axis) =>
        {
            var y = (Tensor<int>)Run1("ReduceSum", [new Tensor<int>(data, shape), L(axis)], opset: 18, constants: [1]);
            var reduced = shape.Select((_, i) => i == axis).ToArray();
            var expected = new int[y.Length];
            var keptShape = shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
            for (int i = 0; i < data.Length; i++)
            {
                var idx = Unravel(i, shape);
                idx[axis] = 0;
                unchecked { expected[Ravel(idx, keptShape)] += data[i]; }
            }
            Assert.Equal(expected, y.ToArray());
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void BoolMaxIsAnyAndMinIsAll()
    {
        var x = Of<bool>([true, false, false, false, true, true], [3, 2]);
        Assert.Equal([true, false, true], ((Tensor<bool>)Run1("ReduceMax", [x, L(1)], [A("keepdims", 0L)], opset: 20, constants: [1])).ToArray());
        Assert.Equal([false, false, true], ((Tensor<bool>)Run1("ReduceMin", [x, L(1)], [A("keepdims", 0L)], opset: 20, constants: [1])).ToArray());
    }

    [Fact]
    public void MaxPropagatesNaNAndHalfAndBFloat16Work()
    {
        Assert.True(double.IsNaN(Doubles(Run1("ReduceMax", [F([1, float.NaN, 3], 3)], opset: 18))[0]));
        var h = Run1("ReduceSum", [Of<Half>([(Half)1.5, (Half)2.25], [2])], opset: 18);
        Assert.Equal(DataType.Float16, h.DataType);
        Assert.Equal([3.75], Doubles(h));
        var b = Run1("ReduceMean", [Of<BFloat16>([(BFloat16)1f, (BFloat16)3f], [2])], opset: 18);
        Assert.Equal(DataType.BFloat16, b.DataType);
        Assert.Equal([2.0], Doubles(b));
    }

    [Fact]
    public void LogSumExpIsStableForLargeInputs()
    {
        var y = Doubles(Run1("ReduceLogSumExp", [D([1000, 1000], 2)], opset: 18));
        Close([1000 + Math.Log(2)], y);
    }

    [Fact]
    public void BadAxesAreReportedAsInvalidAttributes()
    {
        var e = Assert.Throws<StrataException>(() => Run1("ReduceSum", [F([1, 2], 2), L(3)], opset: 18));
        Assert.Equal(ErrorCode.InvalidAttribute, e.Code);
    }
}
