using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Reduction.ReductionHarness;

namespace Strata.Graph.Tests.Ops.Reduction;

public class ArgAndScanTests
{
    private static readonly Gen<(int[] Shape, int[] Data, int Axis, bool Keep, bool Last, bool Max)> ArgCases =
        from shape in Gen.Int[1, 4].Array[1, 4]
        from data in Gen.Int[0, 3].Array[ShapeMath.Size(shape)]
        from axis in Gen.Int[0, shape.Length - 1]
        from keep in Gen.Bool
        from last in Gen.Bool
        from max in Gen.Bool
        select (shape, data, axis, keep, last, max);

    [Fact]
    public void ArgMaxAndArgMinPickTheFirstOrLastExtreme()
    {
        ArgCases.Sample((shape, data, axis, keep, last, max) =>
        {
            var y = (Tensor<long>)Run1(max ? "ArgMax" : "ArgMin", [F(data.Select(v => (float)v).ToArray(), shape)],
                [A("axis", (long)(axis - shape.Length)), A("keepdims", keep ? 1L : 0L), A("select_last_index", last ? 1L : 0L)], opset: 13);
            var keptShape = shape.Select((d, i) => i == axis ? 1 : d).ToArray();
            Assert.Equal(keep ? keptShape : shape.Where((_, i) => i != axis).ToArray(), y.Shape);
            for (int o = 0; o < y.Length; o++)
            {
                var idx = Unravel(o, keptShape);
                var line = Enumerable.Range(0, shape[axis]).Select(k => { idx[axis] = k; return data[Ravel(idx, shape)]; }).ToArray();
                int extreme = max ? line.Max() : line.Min();
                int expected = last ? Array.LastIndexOf(line, extreme) : Array.IndexOf(line, extreme);
                Assert.Equal(expected, y[o]);
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void ArgMaxTreatsNaNAsTheMaximumAndWorksOnIntegers()
    {
        Assert.Equal([1L], ((Tensor<long>)Run1("ArgMax", [F([1, float.NaN, 3, float.NaN], 4)], [A("keepdims", 0L)], opset: 13)).ToArray());
        Assert.Equal([3L], ((Tensor<long>)Run1("ArgMax", [F([1, float.NaN, 3, float.NaN], 4)],
            [A("keepdims", 0L), A("select_last_index", 1L)], opset: 13)).ToArray());
        Assert.Equal([0L], ((Tensor<long>)Run1("ArgMin", [Of<long>([long.MinValue, long.MinValue + 1], 2)], [A("keepdims", 0L)], opset: 13)).ToArray());
    }

    private static readonly Gen<(int[] Shape, int[] Data, int Axis, bool Exclusive, bool Reverse, bool Product)> ScanCases =
        from shape in Gen.Int[1, 4].Array[1, 3]
        from data in Gen.Int[-3, 3].Array[ShapeMath.Size(shape)]
        from axis in Gen.Int[0, shape.Length - 1]
        from exclusive in Gen.Bool
        from reverse in Gen.Bool
        from product in Gen.Bool
        select (shape, data, axis, exclusive, reverse, product);

    [Fact]
    public void CumSumAndCumProdMatchARunningLoop()
    {
        ScanCases.Sample((shape, data, axis, exclusive, reverse, product) =>
        {
            var attrs = new[] { A("exclusive", exclusive ? 1L : 0L), A("reverse", reverse ? 1L : 0L) };
            string op = product ? "CumProd" : "CumSum";
            var asInt = (Tensor<int>)Run1(op, [Of(data, shape), Of<int>([axis])], attrs, opset: 26);
            var asDouble = Run1(op, [D(data.Select(v => (double)v).ToArray(), shape), Of<long>([axis - shape.Length], 1)], attrs, opset: 26);
            var expected = new int[data.Length];
            for (int i = 0; i < data.Length; i++)
            {
                var idx = Unravel(i, shape);
                int acc = product ? 1 : 0;
                for (int k = 0; k < shape[axis]; k++)
                {
                    bool include = reverse ? (exclusive ? k > idx[axis] : k >= idx[axis]) : (exclusive ? k < idx[axis] : k <= idx[axis]);
                    if (!include) continue;
                    var j = (int[])idx.Clone();
                    j[axis] = k;
                    acc = product ? acc * data[Ravel(j, shape)] : acc + data[Ravel(j, shape)];
                }
                expected[i] = acc;
            }
            Assert.Equal(expected, asInt.ToArray());
            Assert.Equal(expected.Select(v => (double)v).ToArray(), Doubles(asDouble));
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void CumSumRejectsAnAxisInputWithSeveralValues()
    {
        var e = Assert.Throws<StrataException>(() => Run1("CumSum", [F([1, 2], 2), Of<long>([0, 0], 2)], opset: 14));
        Assert.Equal(ErrorCode.InvalidShape, e.Code);
    }
}
