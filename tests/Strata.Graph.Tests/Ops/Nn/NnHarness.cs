using Strata.Core;
using Strata.Graph;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Nn;

/// <summary>Runs one op of the built-in registry on tensors, and compares results with independent computations.</summary>
internal static class NnHarness
{
    public static Tensor[] Run(string op, Tensor?[] inputs, params Attribute[] attrs) => Run(op, inputs, 1, 22, attrs);

    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs, int opset, params Attribute[] attrs) =>
        Run("", op, inputs, outputs, opset, attrs);

    public static Tensor[] Run(string domain, string op, Tensor?[] inputs, int outputs, int opset, params Attribute[] attrs)
    {
        var node = MakeNode(domain, op, inputs, outputs, attrs);
        var def = OpRegistry.Default.Find(domain, op) ?? throw new InvalidOperationException($"{op} is not registered");
        var ctx = new OpContext(node, opset, inputs, (_, _) => throw new InvalidOperationException("no subgraphs"), new Random(0));
        return def.Evaluate(ctx).Select(v => (Tensor)v!).ToArray();
    }

    /// <summary>The types the op infers from the inputs' full static types.</summary>
    public static IReadOnlyList<Core.ValueType?> Infer(string op, Tensor?[] inputs, int outputs, int opset, params Attribute[] attrs)
    {
        var node = MakeNode("", op, inputs, outputs, attrs);
        var def = OpRegistry.Default.Find("", op)!;
        var ctx = new InferenceContext(node, opset, inputs.Select(t => t?.Type).ToArray(), _ => null);
        return def.InferTypes(ctx);
    }

    private static Node MakeNode(string domain, string op, Tensor?[] inputs, int outputs, Attribute[] attrs)
    {
        var ins = inputs.Select((t, i) => t is null ? null : new Value("in" + i, t.Type)).ToArray();
        var outs = Enumerable.Range(0, outputs).Select(i => new Value("out" + i)).ToArray();
        return new Node(op, ins, outs, attrs, domain);
    }

    public static Tensor<float> Random(Random rng, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static Tensor<double> RandomDouble(Random rng, params int[] shape)
    {
        var t = new Tensor<double>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = rng.NextDouble() * 2 - 1;
        return t;
    }

    public static void AssertClose(double[] expected, Tensor actual, double tol = 1e-4)
    {
        var got = TensorConvert.ToDoubles(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected[i], g = got[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(g), $"[{i}] expected NaN, got {g}"); continue; }
            Assert.True(Math.Abs(e - g) <= tol * (1 + Math.Abs(e)), $"[{i}] expected {e}, got {g}");
        }
    }
}
