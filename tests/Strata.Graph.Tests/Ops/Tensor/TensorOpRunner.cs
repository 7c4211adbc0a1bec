using Strata.Core;

namespace Strata.Graph.Tests.TensorOps;

/// <summary>Runs one op on concrete values through the default registry (evaluation), and infers its output
/// types the way a graph would (with the given inputs known as constants, or with only their types).</summary>
internal static class TensorOpRunner
{
    public static RuntimeValue?[] Run(string op, RuntimeValue?[] inputs, int outputs = 1, int opset = 25, params Attribute[] attributes)
    {
        var node = MakeNode(op, inputs.Select(i => i?.Type).ToArray(), outputs, attributes);
        var ctx = new OpContext(node, opset, inputs, (_, _) => throw new InvalidOperationException("no subgraphs"), new Random(0));
        return OpRegistry.Default.Get(node).Evaluate(ctx).ToArray();
    }

    public static Tensor Run1(string op, Tensor?[] inputs, int opset = 25, params Attribute[] attributes) =>
        (Tensor)Run(op, inputs, 1, opset, attributes)[0]!;

    /// <summary>Output types inferred with the inputs at <paramref name="constant"/> positions known at compile time.</summary>
    public static Core.ValueType?[] InferTypes(string op, Tensor?[] inputs, Func<int, bool> constant, int outputs = 1, int opset = 25,
        params Attribute[] attributes)
    {
        var node = MakeNode(op, inputs.Select(i => i?.Type).ToArray(), outputs, attributes);
        var ctx = new InferenceContext(node, opset, node.Inputs.Select(v => v?.Type).ToArray(), i => constant(i) ? inputs[i] : null);
        return OpRegistry.Default.Get(node).InferTypes(ctx).ToArray();
    }

    private static Node MakeNode(string op, Core.ValueType?[] inputTypes, int outputs, Attribute[] attributes) =>
        new(op, inputTypes.Select((t, i) => t is null ? null : new Value($"x{i}", t)),
            Enumerable.Range(0, outputs).Select(i => new Value($"y{i}")), attributes);

    public static Tensor<float> F(float[] data, params int[] shape) => new(data, shape);
    public static Tensor<long> L(long[] data, params int[] shape) => new(data, shape);
    public static Tensor<long> Vec(params long[] data) => new(data, [data.Length]);

    /// <summary>A float tensor 0, 1, 2, … of the given shape.</summary>
    public static Tensor<float> Iota(params int[] shape)
    {
        var d = new float[ShapeMath.Size(shape)];
        for (int i = 0; i < d.Length; i++) d[i] = i;
        return new Tensor<float>(d, shape);
    }

    /// <summary>The multi-index of a flat index in a row-major shape.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = flat % shape[d]; flat /= shape[d]; }
        return idx;
    }

    public static int Ravel(int[] idx, int[] shape)
    {
        int f = 0;
        for (int d = 0; d < shape.Length; d++) f = f * shape[d] + idx[d];
        return f;
    }
}
