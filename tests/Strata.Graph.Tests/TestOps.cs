using Strata.Core;

namespace Strata.Graph.Tests;

/// <summary>A small op registry for text, builder and verifier tests: type inference only (evaluation is not
/// needed), written here so these tests do not depend on the real op families.</summary>
public static class TestOps
{
    public static OpRegistry Registry { get; } = Create();

    private static OpRegistry Create()
    {
        var r = new ExtensionRegistry();
        foreach (var name in new[] { "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum" })
            r.AddOp(new OpSchema("", name, c => [Infer.Broadcast(c)], NotNeeded));
        foreach (var name in new[] { "Equal", "Less", "Greater" })
            r.AddOp(new OpSchema("", name, c => [Infer.Broadcast(c, DataType.Bool)], NotNeeded));
        foreach (var name in new[] { "Relu", "Gelu", "Erf", "Tanh", "Neg", "Identity", "Sigmoid", "Exp", "Softmax", "LayerNormalization", "Sqrt" })
            r.AddOp(new OpSchema("", name, c => [Infer.SameAs(c, 0)], NotNeeded));
        r.AddOp(new OpSchema("", "MatMul", c => [MatMul(c)], NotNeeded));
        r.AddOp(new OpSchema("", "Split", Split, NotNeeded));
        r.AddOp(new OpSchema("", "If", c => c.Node.Attr("then_branch")!.AsGraph().Outputs.Select(o => o.Type).ToArray(), NotNeeded));
        r.AddOp(new OpSchema("", "SequenceConstruct", c => [c.InputTypes[0] is { } t ? new SequenceType(t) : null], NotNeeded));
        r.AddOp(new OpSchema("", "SequenceAt", c => [c.InputTypes[0] is SequenceType s ? s.ElementType : null], NotNeeded));
        r.AddOp(new OpSchema("", "Optional", c => [c.InputTypes.Count > 0 && c.InputTypes[0] is { } t ? new OptionalType(t) : null], NotNeeded));
        r.AddOp(new OpSchema("", "Dropout", c => [Infer.SameAs(c, 0), c.InputTensor(0) is { } t ? t with { ElementType = DataType.Bool } : null], NotNeeded));
        r.AddOp(new OpSchema("", "Cast", c => [new TensorType((DataType)c.Node.GetInt("to", 1), c.InputTensor(0)?.Shape)], NotNeeded));
        return new OpRegistry(r);
    }

    private static RuntimeValue?[] NotNeeded(OpContext c) =>
        throw new NotImplementedException("test ops infer types only");

    /// <summary>Rank-2 (or batched) MatMul over known or symbolic dims.</summary>
    private static TensorType? MatMul(InferenceContext c)
    {
        if (c.InputTensor(0) is not { Shape: { } a } ta || c.InputTensor(1) is not { Shape: { } b }) return null;
        if (a.Rank < 2 || b.Rank != 2) return null;
        if (a[a.Rank - 1].Value is { } k1 && b[0].Value is { } k2 && k1 != k2)
            throw c.Error(ErrorCode.ShapeMismatch, $"MatMul inner dims differ: {a} x {b}");
        return new TensorType(ta.ElementType, Shape.Of(a.Dims.Take(a.Rank - 1).Append(b[1])));
    }

    /// <summary>Split with constant sizes (input 1) along the axis attribute.</summary>
    private static Core.ValueType?[] Split(InferenceContext c)
    {
        var result = new Core.ValueType?[c.Node.Outputs.Length];
        if (c.InputTensor(0) is not { Shape: { } s } t || c.ConstantInput(1) is not Tensor<long> sizes) return result;
        int axis = (int)c.Node.GetInt("axis", 0);
        if (axis < 0) axis += s.Rank;
        for (int i = 0; i < result.Length && i < sizes.Length; i++)
        {
            var dims = s.Dims.ToArray();
            dims[axis] = Dim.Of(sizes[i]);
            result[i] = new TensorType(t.ElementType, Shape.Of(dims));
        }
        return result;
    }
}
