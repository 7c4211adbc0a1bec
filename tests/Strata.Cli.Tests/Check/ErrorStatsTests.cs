using Strata.Conformance;
using Strata.Conformance.Checking;
using Strata.Core;

namespace Strata.Cli.Tests.Check;

public sealed class ErrorStatsTests
{
    private static readonly ValueComparer Tol = new(RelativeTolerance: 0.1, AbsoluteTolerance: 0.01);

    [Fact]
    public void FindsTheWorstElementAsAMultiIndex()
    {
        var expected = new Tensor<float>(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var actual = new Tensor<float>(new float[] { 1, 2, 3, 4, 5.2f, 6.9f }, [2, 3]);
        var s = ErrorStats.Of(actual, expected, Tol)!;
        Assert.Equal([1, 2], s.WorstIndex);
        Assert.Equal(0.9, s.MaxAbsError, 5);
        Assert.Equal(0.9 / 6, s.MaxRelError, 5);
        Assert.Equal((6.9, 6.0), (s.Got, s.Expected), (a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-5 && Math.Abs(a.Item2 - b.Item2) < 1e-5);
        Assert.Equal(1, s.Mismatched); // 5.2 vs 5 is within 0.01 + 0.1·5
        Assert.Equal(6, s.Total);
    }

    [Fact]
    public void NaNMatchesNaNAndNothingElse()
    {
        var expected = new Tensor<double>(new double[] { double.NaN, 1, double.PositiveInfinity }, [3]);
        Assert.Equal(0, ErrorStats.Of(new Tensor<double>(new double[] { double.NaN, 1, double.PositiveInfinity }, [3]), expected, Tol)!.Mismatched);
        var s = ErrorStats.Of(new Tensor<double>(new double[] { 0, 1, double.PositiveInfinity }, [3]), expected, Tol)!;
        Assert.Equal((1, double.PositiveInfinity), (s.Mismatched, s.MaxAbsError));
        Assert.Equal([0], s.WorstIndex);
        s = ErrorStats.Of(new Tensor<double>(new double[] { double.NaN, 1, 5 }, [3]), expected, Tol)!;
        Assert.Equal([2], s.WorstIndex);
    }

    [Fact]
    public void RelativeErrorAgainstZeroIsInfiniteAndIntegersAreExact()
    {
        var s = ErrorStats.Of(new Tensor<float>(new float[] { 0.001f }, [1]), new Tensor<float>(new float[] { 0f }, [1]), Tol)!;
        Assert.Equal((0, double.PositiveInfinity), (s.Mismatched, s.MaxRelError));
        var i = ErrorStats.Of(new Tensor<long>(new long[] { 3, 4 }, [2]), new Tensor<long>(new long[] { 3, 5 }, [2]), Tol)!;
        Assert.Equal((1, 1.0, 1), (i.Mismatched, i.MaxAbsError, i.WorstIndex[0]));
    }

    [Fact]
    public void AgreesWithValueComparerOnWhatMismatches()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var e = new float[7];
            var a = new float[7];
            for (int i = 0; i < 7; i++)
            {
                e[i] = (float)(random.NextDouble() * 4 - 2);
                a[i] = e[i] + (float)((random.NextDouble() - 0.5) * 0.3);
            }
            var expected = new Tensor<float>(e, [7]);
            var actual = new Tensor<float>(a, [7]);
            Assert.Equal(Tol.Compare(actual, expected) is null, ErrorStats.Of(actual, expected, Tol)!.Mismatched == 0);
        }
    }
}
