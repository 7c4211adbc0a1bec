using CsCheck;
using Strata.Conformance;
using Strata.Core;
using Strata.Tile.Text;
using Attr = Strata.Graph.Attribute;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Each compute op's Tile lowering, run by the Tile interpreter, against the reference interpreter on
/// random data and shapes (one-node graphs).</summary>
public class ComputeLoweringTests
{
    private static readonly ValueComparer Tight = new(RelativeTolerance: 1e-5, AbsoluteTolerance: 1e-6);

    // ---- helpers ----

    internal static Tensor Rand(Random r, DataType t, int[] shape, double lo = -2, double hi = 2, bool small = false)
    {
        var d = new double[ShapeMath.Size(shape)];
        for (int i = 0; i < d.Length; i++)
            d[i] = small || !ScalarSemantics.IsFloat(t) ? r.Next((int)lo, (int)hi + 1) : lo + r.NextDouble() * (hi - lo);
        return TensorConvert.FromDoubles(t, d, shape);
    }

    internal static Tensor I64(params long[] v) => Tensor<long>.FromArray(v, v.Length);

    internal static int[] Shape(Random r, int rank, int max = 4, int min = 1) =>
        Enumerable.Range(0, rank).Select(_ => r.Next(min, max + 1)).ToArray();

    /// <summary>Asserts the node lowered and its Tile outputs match the reference's.</summary>
    internal static ComputeLoweringHarness.Comparison Check(string op, Tensor?[] inputs, IEnumerable<Attr>? attrs = null, int opset = 18,
        int outputs = 1, bool[]? constantInputs = null, ValueComparer? comparer = null)
    {
        var c = ComputeLoweringHarness.Compare(op, inputs, attrs, opset, outputs, constantInputs);
        string what = $"{op} (opset {opset}) on {string.Join(", ", inputs.Select(t => t is null ? "-" : t.DataType.ShortName() + ShapeMath.Format(t.Shape)))} {{{string.Join(", ", attrs?.Select(a => a.ToString()) ?? [])}}}";
        Assert.True(c.Actual is not null, $"{what} was not lowered");
        for (int i = 0; i < c.Expected.Length; i++)
            if ((comparer ?? Tight).Compare(c.Actual![i], c.Expected[i]) is { } why)
                Assert.Fail($"{what}: output {i}: {why}\n{TilePrinter.Print(c.Kernel!)}");
        return c;
    }

    internal static void Declines(string op, Tensor?[] inputs, IEnumerable<Attr>? attrs = null, int opset = 18, int outputs = 1)
    {
        var c = ComputeLoweringHarness.Compare(op, inputs, attrs, opset, outputs);
        Assert.Null(c.Actual);
    }

    // ---- reductions ----

    private static readonly string[] ReduceOps =
        ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

    [Fact]
    public void Reduce_random_axes_and_shapes_match_reference() =>
        Gen.Select(Gen.Int[0, ReduceOps.Length - 1], Gen.Int[0, 4], Gen.Bool, Gen.Bool, Gen.Int).Sample((opIndex, rank, keep, asInput, seed) =>
        {
            var r = new Random(seed);
            string op = ReduceOps[opIndex];
            var shape = Shape(r, rank, max: 4, min: 0);
            bool positive = op is "ReduceLogSum" or "ReduceProd";
            var x = Rand(r, DataType.Float32, shape, positive ? 0.5 : -2, positive ? 1.5 : 2);
            var axes = Enumerable.Range(0, rank).Where(_ => r.Next(2) == 0).Select(a => (long)(r.Next(2) == 0 ? a : a - rank)).ToArray();
            var attrs = new List<Attr> { Attr.Of("keepdims", keep ? 1L : 0L) };
            if (asInput)
                Check(op, [x, axes.Length == 0 && r.Next(2) == 0 ? null : I64(axes)], attrs, opset: 18, constantInputs: [false, true]);
            else
            {
                if (axes.Length > 0) attrs.Add(Attr.Of("axes", axes));
                Check(op, [x], attrs, opset: op == "ReduceSum" ? 11 : 13);
            }
        }, iter: 60);

    [Theory]
    [InlineData(DataType.Int32)]
    [InlineData(DataType.Int64)]
    [InlineData(DataType.UInt8)]
    [InlineData(DataType.Float16)]
    [InlineData(DataType.Float64)]
    [InlineData(DataType.BFloat16)]
    public void Reduce_other_types_match_reference(DataType t)
    {
        var r = new Random((int)t);
        foreach (var op in ReduceOps)
        {
            bool positive = op is "ReduceLogSum" or "ReduceL2" or "ReduceLogSumExp" || t == DataType.UInt8;
            var x = Rand(r, t, [3, 4, 2], positive ? 1 : -3, 3);
            if (op == "ReduceSum" && t == DataType.Int32) x = TensorConvert.FromDoubles(t, [int.MaxValue, 0, 5, .. new double[21]], [3, 4, 2]);
            Check(op, [x, I64(1)], [Attr.Of("keepdims", 0L)], opset: 18, constantInputs: [false, true],
                comparer: ScalarSemantics.IsFloat(t) ? ValueComparer.Default : Tight);
        }
    }

    [Fact]
    public void Reduce_noop_with_empty_axes_applies_the_element_function()
    {
        var x = Rand(new Random(5), DataType.Float32, [2, 3], 0.5, 2);
        foreach (var op in ReduceOps)
            Check(op, [x], [Attr.Of("noop_with_empty_axes", 1L)], opset: 18);
    }

    [Fact]
    public void Reduce_max_of_bool_and_empty_groups()
    {
        var b = Tensor<bool>.FromArray([true, false, false, false, true, false], 2, 3);
        Check("ReduceMax", [b, I64(1)], opset: 18, constantInputs: [false, true]);
        Check("ReduceMin", [b, I64(0)], opset: 18, constantInputs: [false, true]);
        var empty = TensorFactory.Create(DataType.Float32, [2, 0]);
        foreach (var op in ReduceOps) Check(op, [empty, I64(1)], opset: 18, constantInputs: [false, true]);
    }

    [Fact]
    public void Reduce_with_runtime_axes_declines()
    {
        var x = Rand(new Random(6), DataType.Float32, [2, 3]);
        Declines("ReduceSum", [x, I64(1)], opset: 13);
        Declines("ReduceSum", [Tensor<bool>.FromArray([true, false], 2)], opset: 11);
    }

    [Fact]
    public void ArgMax_and_ArgMin_with_ties_match_reference() =>
        Gen.Select(Gen.Int[1, 4], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int).Sample((rank, max, keep, last, seed) =>
        {
            var r = new Random(seed);
            var x = Rand(r, DataType.Float32, Shape(r, rank), -2, 2, small: true);
            long axis = r.Next(-rank, rank);
            Check(max ? "ArgMax" : "ArgMin", [x], [Attr.Of("axis", axis), Attr.Of("keepdims", keep ? 1L : 0L), Attr.Of("select_last_index", last ? 1L : 0L)], opset: 13);
        }, iter: 40);

    [Fact]
    public void Softmax_family_matches_reference_across_opsets() =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, 4], Gen.Bool, Gen.Int).Sample((kind, rank, old, seed) =>
        {
            var r = new Random(seed);
            string op = kind switch { 0 => "Softmax", 1 => "LogSoftmax", _ => "Hardmax" };
            var x = Rand(r, DataType.Float32, Shape(r, rank), -3, 3, small: kind == 2);
            long axis = r.Next(-rank, rank);
            Check(op, [x], [Attr.Of("axis", axis)], opset: old ? 11 : 13);
        }, iter: 50);

    [Fact]
    public void Softmax_handles_infinities_and_scalars()
    {
        var x = Tensor<float>.FromArray([float.NegativeInfinity, float.NegativeInfinity, 1, float.NegativeInfinity, 0, 2], 2, 3);
        Check("Softmax", [x], opset: 13);
        Check("LogSoftmax", [x], opset: 13);
        Check("Softmax", [Tensor<float>.FromArray([3f], [])], opset: 13);
        Check("Softmax", [Rand(new Random(1), DataType.Float16, [2, 5])], opset: 13, comparer: ValueComparer.Default);
    }

    // ---- normalizations ----

    [Fact]
    public void LayerNormalization_with_statistics_matches_reference() =>
        Gen.Select(Gen.Int[1, 4], Gen.Bool, Gen.Int).Sample((rank, withBias, seed) =>
        {
            var r = new Random(seed);
            var shape = Shape(r, rank);
            int axis = r.Next(-rank, rank);
            int a = axis < 0 ? axis + rank : axis;
            var scaleShape = shape[r.Next(a, rank)..];
            var x = Rand(r, DataType.Float32, shape);
            Check("LayerNormalization", [x, Rand(r, DataType.Float32, scaleShape), withBias ? Rand(r, DataType.Float32, scaleShape) : null],
                [Attr.Of("axis", (long)axis), Attr.Of("epsilon", 1e-3f)], opset: 17, outputs: 3);
        }, iter: 30);

    [Fact]
    public void Other_normalizations_match_reference()
    {
        var r = new Random(7);
        var x = Rand(r, DataType.Float32, [2, 6, 3, 2]);
        Check("RMSNormalization", [x, Rand(r, DataType.Float32, [3, 2])], [Attr.Of("axis", -2L)], opset: 23);
        Check("RMSNormalization", [x, Rand(r, DataType.Float32, [2])], opset: 23);
        Check("GroupNormalization", [x, Rand(r, DataType.Float32, [3]), Rand(r, DataType.Float32, [3])], [Attr.Of("num_groups", 3L)], opset: 18);
        Check("GroupNormalization", [x, Rand(r, DataType.Float32, [6]), Rand(r, DataType.Float32, [6])], [Attr.Of("num_groups", 2L)], opset: 21);
        Check("InstanceNormalization", [x, Rand(r, DataType.Float32, [6]), Rand(r, DataType.Float32, [6])], [Attr.Of("epsilon", 1e-2f)], opset: 6);
        Check("MeanVarianceNormalization", [x], opset: 13);
        Check("MeanVarianceNormalization", [x], [Attr.Of("axes", new long[] { 1, -1 })], opset: 13);
        Check("LpNormalization", [x], [Attr.Of("p", 1L), Attr.Of("axis", 1L)], opset: 1);
        Check("LpNormalization", [Tensor<float>.FromArray([0, 0, 3, 4], 2, 2)], opset: 1);
        Check("LRN", [x], [Attr.Of("size", 3L), Attr.Of("alpha", 0.01f)], opset: 13);
        Check("LRN", [x], [Attr.Of("size", 4L)], opset: 13);
    }

    // ---- contractions ----

    [Fact]
    public void MatMul_random_ranks_broadcast_and_promotion_match_reference() =>
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, 2], Gen.Int).Sample((ra, rb, type, seed) =>
        {
            var r = new Random(seed);
            var t = type switch { 0 => DataType.Float32, 1 => DataType.Int32, _ => DataType.Float16 };
            int m = r.Next(1, 5), k = r.Next(0, 5), n = r.Next(1, 5);
            var batch = Shape(r, 2, max: 3);
            int[] BatchOf(int rank) => batch[(2 - (rank - 2))..].Select(d => r.Next(3) == 0 ? 1 : d).ToArray();
            int[] sa = ra == 1 ? [k] : [.. BatchOf(Math.Min(ra, 4)), m, k];
            int[] sb = rb == 1 ? [k] : [.. BatchOf(Math.Min(rb, 4)), k, n];
            Check("MatMul", [Rand(r, t, sa, -3, 3), Rand(r, t, sb, -3, 3)], opset: 13,
                comparer: t == DataType.Float16 ? ValueComparer.Default : Tight);
        }, iter: 50);

    [Fact]
    public void Gemm_random_transposes_scales_and_bias_shapes_match_reference() =>
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Int[0, 4], Gen.Bool, Gen.Int).Sample((ta, tb, cForm, ints, seed) =>
        {
            var r = new Random(seed);
            var t = ints ? DataType.Int64 : DataType.Float32;
            int m = r.Next(1, 5), k = r.Next(1, 5), n = r.Next(1, 5);
            int[]? cs = cForm switch { 0 => null, 1 => [n], 2 => [m, 1], 3 => [1, 1], _ => [m, n] };
            float alpha = r.Next(2) == 0 ? 1f : 0.5f, beta = r.Next(3) switch { 0 => 1f, 1 => 0f, _ => 2f };
            Check("Gemm", [Rand(r, t, ta ? [k, m] : [m, k], -3, 3), Rand(r, t, tb ? [n, k] : [k, n], -3, 3), cs is null ? null : Rand(r, t, cs, -3, 3)],
                [Attr.Of("transA", ta ? 1L : 0L), Attr.Of("transB", tb ? 1L : 0L), Attr.Of("alpha", alpha), Attr.Of("beta", beta)], opset: 13);
        }, iter: 40);

    [Theory]
    [InlineData("ij,jk->ik", new[] { 3, 4 }, new[] { 4, 2 })]
    [InlineData("bij,bjk->bik", new[] { 2, 3, 4 }, new[] { 2, 4, 5 })]
    [InlineData("ii->i", new[] { 3, 3 }, null)]
    [InlineData("ii", new[] { 3, 3 }, null)]
    [InlineData("ij->ji", new[] { 3, 4 }, null)]
    [InlineData("i,i", new[] { 5 }, new[] { 5 })]
    [InlineData("...ij,...jk", new[] { 2, 3, 4 }, new[] { 1, 4, 2 })]
    [InlineData("ij,kl->ijkl", new[] { 2, 2 }, new[] { 3, 1 })]
    public void Einsum_equations_match_reference(string equation, int[] a, int[]? b)
    {
        var r = new Random(equation.Length);
        Tensor?[] inputs = b is null ? [Rand(r, DataType.Float32, a)] : [Rand(r, DataType.Float32, a), Rand(r, DataType.Float32, b)];
        Check("Einsum", inputs, [Attr.Of("equation", equation)], opset: 12);
    }
}
