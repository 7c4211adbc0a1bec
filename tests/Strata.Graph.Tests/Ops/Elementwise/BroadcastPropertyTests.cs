using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.Elementwise.ElementwiseTestKit;

namespace Strata.Graph.Tests.Ops.Elementwise;

/// <summary>Broadcasting ops on random broadcastable shapes against a naive multi-index implementation.</summary>
public class BroadcastPropertyTests
{
    private static readonly Gen<(int[][] Shapes, int Seed)> TwoShapes = Gen.Select(BroadcastableShapes(2), Gen.Int);
    private static readonly Gen<(int[][] Shapes, int Seed)> ThreeShapes = Gen.Select(BroadcastableShapes(3), Gen.Int);

    private static float NextFloat(Random r) => (float)(r.NextDouble() * 20 - 10);
    private static int NextInt(Random r) => r.Next(-50, 50);

    [Fact]
    public void AddFloatMatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, NextFloat);
        var b = Random(t.Shapes[1], rng, NextFloat);
        var r = (Tensor<float>)Run("Add", a, b);
        Assert.Equal(NaiveShape(a.Shape, b.Shape), r.Shape);
        Assert.Equal(NaiveBinary(a, b, (x, y) => x + y), r.ToArray());
    }, iter: 300);

    [Fact]
    public void SubAndMulInt64MatchNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => (long)NextInt(r));
        var b = Random(t.Shapes[1], rng, r => (long)NextInt(r));
        Assert.Equal(NaiveBinary(a, b, (x, y) => x - y), ((Tensor<long>)Run("Sub", a, b)).ToArray());
        Assert.Equal(NaiveBinary(a, b, (x, y) => x * y), ((Tensor<long>)Run("Mul", a, b)).ToArray());
    }, iter: 300);

    [Fact]
    public void DivInt32TruncatesTowardZero() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, NextInt);
        var b = Random(t.Shapes[1], rng, NextInt);
        var expected = NaiveBinary(a, b, (x, y) => y == 0 ? 0 : (int)Math.Truncate((double)x / y));
        Assert.Equal(expected, ((Tensor<int>)Run("Div", a, b)).ToArray());
    }, iter: 300);

    [Fact]
    public void LessGivesBoolAndMatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => (short)r.Next(-3, 3));
        var b = Random(t.Shapes[1], rng, r => (short)r.Next(-3, 3));
        var r = Run("Less", a, b);
        Assert.Equal(DataType.Bool, r.DataType);
        Assert.Equal(NaiveBinary(a, b, (x, y) => x < y), ((Tensor<bool>)r).ToArray());
    }, iter: 300);

    [Fact]
    public void XorMatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => r.Next(2) == 1);
        var b = Random(t.Shapes[1], rng, r => r.Next(2) == 1);
        Assert.Equal(NaiveBinary(a, b, (x, y) => x != y), ((Tensor<bool>)Run("Xor", a, b)).ToArray());
    }, iter: 300);

    [Fact]
    public void PowFloatBaseInt64ExponentMatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => (float)(r.NextDouble() * 4 - 2));
        var b = Random(t.Shapes[1], rng, r => (long)r.Next(-3, 5));
        var r = Run("Pow", a, b);
        Assert.Equal(DataType.Float32, r.DataType);
        Assert.Equal(NaiveBinary(a, b, (x, y) => (float)Math.Pow(x, y)), ((Tensor<float>)r).ToArray());
    }, iter: 300);

    [Fact]
    public void BitwiseAndUInt16MatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => (ushort)r.Next(65536));
        var b = Random(t.Shapes[1], rng, r => (ushort)r.Next(65536));
        Assert.Equal(NaiveBinary(a, b, (x, y) => (ushort)(x & y)), ((Tensor<ushort>)Run("BitwiseAnd", a, b)).ToArray());
    }, iter: 300);

    [Fact]
    public void PReluMatchesNaive() => TwoShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, r => r.NextDouble() * 2 - 1);
        var b = Random(t.Shapes[1], rng, r => r.NextDouble());
        Assert.Equal(NaiveBinary(a, b, (x, s) => x < 0 ? x * s : x), ((Tensor<double>)Run("PRelu", a, b)).ToArray());
    }, iter: 300);

    [Fact]
    public void WhereBroadcastsThreeWays() => ThreeShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var c = Random(t.Shapes[0], rng, r => r.Next(2) == 1);
        var x = Random(t.Shapes[1], rng, r => "x" + r.Next(100));
        var y = Random(t.Shapes[2], rng, r => "y" + r.Next(100));
        var r = (Tensor<string>)Run("Where", c, x, y);
        Assert.Equal(NaiveShape(c.Shape, x.Shape, y.Shape), r.Shape);
        Assert.Equal(NaiveTernary(c, x, y, (k, a, b) => k ? a : b), r.ToArray());
    }, iter: 300);

    [Fact]
    public void VariadicMaxAndSumMatchNaive() => ThreeShapes.Sample(t =>
    {
        var rng = new Random(t.Seed);
        var a = Random(t.Shapes[0], rng, NextInt);
        var b = Random(t.Shapes[1], rng, NextInt);
        var c = Random(t.Shapes[2], rng, NextInt);
        Assert.Equal(NaiveTernary(a, b, c, (x, y, z) => Math.Max(x, Math.Max(y, z))), ((Tensor<int>)Run("Max", a, b, c)).ToArray());
        Assert.Equal(NaiveTernary(a, b, c, (x, y, z) => x + y + z), ((Tensor<int>)Run("Sum", a, b, c)).ToArray());
    }, iter: 300);

    [Theory]
    [InlineData(new[] { 0, 3 }, new[] { 3 }, new[] { 0, 3 })]
    [InlineData(new[] { 2, 0 }, new[] { 1, 1 }, new[] { 2, 0 })]
    [InlineData(new[] { 1 }, new[] { 4, 0, 1 }, new[] { 4, 0, 1 })]
    public void ZeroSizeOperandsGiveEmptyResults(int[] sa, int[] sb, int[] expected)
    {
        var a = Tensor.Zeros(DataType.Float32, sa);
        var b = Tensor.Zeros(DataType.Float32, sb);
        Assert.Equal(expected, Run("Add", a, b).Shape);
        Assert.Equal(expected, Run("Where", Tensor.Zeros(DataType.Bool, [1]), a, b).Shape);
    }

    [Fact]
    public void ShapesThatDoNotBroadcastAreRejected()
    {
        var e = Assert.Throws<StrataException>(() => Run("Add", new Tensor<float>([3]), new Tensor<float>([4])));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
    }

    [Fact]
    public void OperandsOfDifferentTypesAreRejected()
    {
        var e = Assert.Throws<StrataException>(() => Run("Add", new Tensor<float>([3]), new Tensor<double>([3])));
        Assert.Equal(ErrorCode.TypeMismatch, e.Code);
    }
}
