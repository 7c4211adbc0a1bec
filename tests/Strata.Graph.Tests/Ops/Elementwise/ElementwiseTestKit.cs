using CsCheck;
using Strata.Core;

namespace Strata.Graph.Tests.Ops.Elementwise;

/// <summary>Runs registered ops on tensors, and an independent, naive multi-index broadcasting to compare with.</summary>
internal static class ElementwiseTestKit
{
    public const int LatestOpset = 22;

    public static Tensor RunOp(string op, Tensor?[] inputs, int opset = LatestOpset, params Attribute[] attributes)
    {
        var def = OpRegistry.Default.Find("", op) ?? throw new InvalidOperationException($"op {op} is not registered");
        var node = new Node(op, inputs.Select((t, i) => t is null ? null : new Value("x" + i, t.Type)), [new Value("y")], attributes);
        var ctx = new OpContext(node, opset, inputs, (_, _) => throw new InvalidOperationException("no subgraphs"), new Random(0));
        return (Tensor)def.Evaluate(ctx)[0]!;
    }

    public static Tensor Run(string op, params Tensor[] inputs) => RunOp(op, inputs);

    public static Core.ValueType? InferType(string op, Core.ValueType?[] inputTypes, int opset = LatestOpset, params Attribute[] attributes)
    {
        var def = OpRegistry.Default.Find("", op)!;
        var node = new Node(op, inputTypes.Select((t, i) => new Value("x" + i, t)), [new Value("y")], attributes);
        var ctx = new InferenceContext(node, opset, inputTypes, _ => null);
        return def.InferTypes(ctx)[0];
    }

    public static Tensor<T> T<T>(T[] data, params int[] shape) => new(data, shape);

    /// <summary>Two or three shapes that broadcast together (trailing-aligned, dims 1..4, some set to 1, ranks 0..4).</summary>
    public static Gen<int[][]> BroadcastableShapes(int count) =>
        Gen.Int[0, 4].SelectMany(rank =>
            Gen.Select(Gen.Int[1, 4].Array[rank], Gen.Int[0, rank].Array[count], Gen.Bool.Array[rank].Array[count],
                (dims, kept, ones) => Enumerable.Range(0, count)
                    .Select(k => Enumerable.Range(rank - kept[k], kept[k]).Select(d => ones[k][d] ? 1 : dims[d]).ToArray())
                    .ToArray()));

    /// <summary>The broadcast shape, computed directly from the rule.</summary>
    public static int[] NaiveShape(params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var r = Enumerable.Repeat(1, rank).ToArray();
        foreach (var s in shapes)
            for (int i = 0; i < s.Length; i++)
            {
                int d = rank - s.Length + i;
                if (s[i] != 1) r[d] = s[i];
            }
        return r;
    }

    /// <summary>Flat index into an operand of <paramref name="shape"/> for the output multi-index <paramref name="index"/>.</summary>
    public static int OperandIndex(int[] index, int[] shape)
    {
        int off = index.Length - shape.Length, flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + (shape[i] == 1 ? 0 : index[i + off]);
        return flat;
    }

    /// <summary>Every output multi-index in row-major order.</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        for (int k = 0; k < n; k++)
        {
            var idx = new int[shape.Length];
            int rem = k;
            for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            yield return idx;
        }
    }

    public static TOut[] NaiveBinary<TA, TB, TOut>(Tensor<TA> a, Tensor<TB> b, Func<TA, TB, TOut> f)
    {
        var shape = NaiveShape(a.Shape, b.Shape);
        return Indices(shape).Select(i => f(a[OperandIndex(i, a.Shape)], b[OperandIndex(i, b.Shape)])).ToArray();
    }

    public static TOut[] NaiveTernary<TA, TB, TC, TOut>(Tensor<TA> a, Tensor<TB> b, Tensor<TC> c, Func<TA, TB, TC, TOut> f)
    {
        var shape = NaiveShape(a.Shape, b.Shape, c.Shape);
        return Indices(shape).Select(i => f(a[OperandIndex(i, a.Shape)], b[OperandIndex(i, b.Shape)], c[OperandIndex(i, c.Shape)])).ToArray();
    }

    public static Tensor<T> Random<T>(int[] shape, Random rng, Func<Random, T> next)
    {
        var data = new T[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = next(rng);
        return new Tensor<T>(data, shape);
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol = 1e-7)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"[{i}] expected NaN, got {a}"); continue; }
            if (double.IsInfinity(e)) { Assert.Equal(e, a); continue; }
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"[{i}] expected {e}, got {a}");
        }
    }
}
