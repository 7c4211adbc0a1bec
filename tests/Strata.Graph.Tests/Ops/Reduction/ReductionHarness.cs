using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Reduction;

/// <summary>Runs one node through type inference and the reference interpreter, and checks that every inferred
/// output type agrees with the value the interpreter produced.</summary>
internal static class ReductionHarness
{
    /// <summary>Runs <paramref name="op"/> on <paramref name="inputs"/> (null = omitted optional input). Inputs whose
    /// index is in <paramref name="constants"/> become graph constants (visible to inference, e.g. axes); the rest are
    /// graph inputs.</summary>
    public static Tensor?[] Run(string op, Tensor?[] inputs, Attribute[]? attributes = null, int opset = 23,
        int outputs = 1, int[]? constants = null)
    {
        var graph = new Graph("test");
        graph.OpsetImports[""] = opset;
        var feeds = new Dictionary<string, RuntimeValue>();
        var inputValues = new Value?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) continue;
            if (constants?.Contains(i) == true) inputValues[i] = graph.AddConstant($"c{i}", t);
            else
            {
                var v = new Value($"x{i}", t.Type);
                graph.Inputs.Add(v);
                feeds[v.Name] = t;
                inputValues[i] = v;
            }
        }
        var outputValues = Enumerable.Range(0, outputs).Select(i => new Value($"y{i}")).ToArray();
        graph.Nodes.Add(new Node(op, inputValues, outputValues, attributes ?? []));
        graph.Outputs.AddRange(outputValues);

        new TypeInference().Run(graph);
        var result = new GraphInterpreter().Run(graph, feeds);
        var tensors = new Tensor?[outputs];
        for (int i = 0; i < outputs; i++)
        {
            tensors[i] = result[outputValues[i].Name] as Tensor;
            if (tensors[i] is { } actual && outputValues[i].Type is TensorType inferred)
            {
                Assert.Equal(actual.DataType, inferred.ElementType);
                if (inferred.Shape is { } s)
                {
                    Assert.Equal(actual.Rank, s.Rank);
                    for (int d = 0; d < s.Rank; d++)
                        if (s[d].IsKnown) Assert.Equal(actual.Shape[d], (int)s[d].Value!.Value);
                }
            }
        }
        return tensors;
    }

    public static Tensor Run1(string op, Tensor?[] inputs, Attribute[]? attributes = null, int opset = 23, int[]? constants = null) =>
        Run(op, inputs, attributes, opset, 1, constants)[0]!;

    public static Tensor<T> Of<T>(T[] data, params int[] shape) => new(data, shape);
    public static Tensor<float> F(float[] data, params int[] shape) => new(data, shape);
    public static Tensor<double> D(double[] data, params int[] shape) => new(data, shape);
    public static Tensor<long> L(params long[] data) => new(data, [data.Length]);

    public static Attribute A(string name, long v) => Attribute.Of(name, v);
    public static Attribute A(string name, float v) => Attribute.Of(name, v);
    public static Attribute A(string name, long[] v) => Attribute.Of(name, v);
    public static Attribute A(string name, string v) => Attribute.Of(name, v);

    public static double[] Doubles(Tensor t) => TensorConvert.ToDoubles(t);

    /// <summary>Asserts |actual - expected| &lt;= atol + rtol * |expected| elementwise (NaN matches NaN).</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (e == a) continue;
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"element {i}: expected {e}, got {a}");
        }
    }

    /// <summary>The multi-index of flat index <paramref name="flat"/> in a row-major <paramref name="shape"/>.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    public static int Ravel(int[] idx, int[] shape)
    {
        int flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + idx[d];
        return flat;
    }
}
