using Strata.Core;
using Strata.Graph;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Spatial;

/// <summary>Runs one op of the built-in registry on tensors, infers its types, and builds test tensors.</summary>
internal static class SpatialHarness
{
    public static Tensor Run(string op, Tensor?[] inputs, params Attribute[] attrs) => Run(op, 22, inputs, attrs);

    public static Tensor Run(string op, int opset, Tensor?[] inputs, params Attribute[] attrs)
    {
        var def = OpRegistry.Default.Find("", op) ?? throw new InvalidOperationException($"{op} is not registered");
        var ctx = new OpContext(MakeNode(op, inputs, attrs), opset, inputs, (_, _) => throw new InvalidOperationException("no subgraphs"), new Random(0));
        return (Tensor)def.Evaluate(ctx)[0]!;
    }

    /// <summary>The output type the op infers; <paramref name="constants"/> marks inputs whose values are known.</summary>
    public static Core.ValueType? Infer(string op, int opset, Core.ValueType?[] inputTypes, Tensor?[]? constants = null, params Attribute[] attrs)
    {
        var def = OpRegistry.Default.Find("", op)!;
        var ins = inputTypes.Select((t, i) => t is null ? null : new Value("in" + i, t)).ToArray();
        var node = new Node(op, ins, [new Value("out0")], attrs, "");
        var ctx = new InferenceContext(node, opset, inputTypes, i => constants is not null && i < constants.Length ? constants[i] : null);
        return def.InferTypes(ctx)[0];
    }

    private static Node MakeNode(string op, Tensor?[] inputs, Attribute[] attrs)
    {
        var ins = inputs.Select((t, i) => t is null ? null : new Value("in" + i, t.Type)).ToArray();
        return new Node(op, ins, [new Value("out0")], attrs, "");
    }

    public static Tensor<float> Floats(int[] shape, params float[] values) => new(values, shape);

    public static Tensor<float> Random(Random rng, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>The sampling grid (N, D1…Dr, r) that points at every pixel centre of a (D1…Dr) image, innermost
    /// coordinate first, built from the definition of normalized coordinates (a single pixel with align_corners is
    /// at −1, as in ONNX's reference and function body).</summary>
    public static Tensor<float> IdentityGrid(int n, int[] dims, bool alignCorners)
    {
        int r = dims.Length;
        var grid = new Tensor<float>([n, .. dims, r]);
        int points = ShapeMath.Size(dims);
        var strides = ShapeMath.Strides(dims);
        for (int b = 0; b < n; b++)
        for (int p = 0; p < points; p++)
        for (int d = 0; d < r; d++)
        {
            int i = p / strides[d] % dims[d], size = dims[d];
            double coord = alignCorners ? (size == 1 ? -1 : 2.0 * i / (size - 1) - 1) : (2.0 * i + 1) / size - 1;
            grid[(b * points + p) * r + (r - 1 - d)] = (float)coord;
        }
        return grid;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, Tensor actual, double tol = 1e-5)
    {
        var got = TensorConvert.ToDoubles(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol * (1 + Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {got[i]}");
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        AssertClose(TensorConvert.ToDoubles(expected), actual, tol);
    }
}
