using Strata.Core;
using Attribute = Strata.Graph.Attribute;

namespace Strata.Graph.Tests.Ops.Cast;

/// <summary>Runs one op of the built-in registry on tensors, checking that its inferred output types agree with
/// the types of the values it computes.</summary>
internal static class CastHarness
{
    public const int Opset = 25;

    public static Tensor Run(string op, Tensor?[] inputs, params Attribute[] attrs) => RunAll(op, inputs, 1, attrs)[0];

    public static Tensor[] RunAll(string op, Tensor?[] inputs, int outputs, params Attribute[] attrs)
    {
        var node = MakeNode(op, inputs, outputs, attrs);
        var def = OpRegistry.Default.Find("", op) ?? throw new InvalidOperationException($"{op} is not registered");
        var ctx = new OpContext(node, Opset, inputs, (_, _) => throw new InvalidOperationException("no subgraphs"), new Random(0));
        var results = def.Evaluate(ctx).Select(v => (Tensor)v!).ToArray();
        var inferred = def.InferTypes(new InferenceContext(node, Opset, inputs.Select(t => t?.Type).ToArray(), _ => null));
        for (int i = 0; i < outputs; i++)
            Assert.Equal(results[i].Type, inferred[i]);
        return results;
    }

    /// <summary>The types the op infers from the given static input types.</summary>
    public static IReadOnlyList<Core.ValueType?> Infer(string op, Core.ValueType?[] inputs, int outputs, params Attribute[] attrs)
    {
        var node = new Node(op, inputs.Select((t, i) => t is null ? null : new Value("in" + i, t)),
            Enumerable.Range(0, outputs).Select(i => new Value("out" + i)), attrs);
        return OpRegistry.Default.Find("", op)!.InferTypes(new InferenceContext(node, Opset, inputs, _ => null));
    }

    private static Node MakeNode(string op, Tensor?[] inputs, int outputs, Attribute[] attrs) =>
        new(op, inputs.Select((t, i) => t is null ? null : new Value("in" + i, t.Type)),
            Enumerable.Range(0, outputs).Select(i => new Value("out" + i)), attrs);

    public static Attribute To(DataType type) => Attribute.Of("to", (long)type);

    public static Tensor<T> T<T>(params T[] values) => Tensor<T>.FromArray(values, values.Length);
}
