using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the Elementwise op family: unary math, binary arithmetic, comparisons, logical and bitwise
/// ops, activations, the variadic Min/Max/Sum/Mean and Where. The loops live in <see cref="ElementwiseKernels"/>.</summary>
internal static class ElementwiseOps
{
    public static void Register(ExtensionRegistry registry)
    {
        UnaryMathOps.Register(registry);
        BinaryArithmeticOps.Register(registry);
        ComparisonOps.Register(registry);
        LogicalOps.Register(registry);
        BitwiseOps.Register(registry);
        ActivationOps.Register(registry);
        VariadicOps.Register(registry);
    }

    /// <summary>Adds a floating-point unary op whose output has the input's type.</summary>
    public static void AddFloatUnary<TOp>(this ExtensionRegistry registry, string name, Func<OpContext, TOp> make)
        where TOp : struct, IFloatUnaryFunc =>
        registry.AddOp(OpSchema.Unary(name, c => Infer.SameAs(c, 0), c => ElementwiseKernels.MapFloat(c.Input(0), make(c))));

    /// <summary>Adds a numeric unary op whose output has the input's type.</summary>
    public static void AddNumberUnary<TOp>(this ExtensionRegistry registry, string name, Func<OpContext, TOp> make)
        where TOp : struct, INumberUnaryFunc =>
        registry.AddOp(OpSchema.Unary(name, c => Infer.SameAs(c, 0), c => ElementwiseKernels.MapNumber(c.Input(0), make(c))));

    /// <summary>Adds a numeric binary op with broadcasting; the output has the operands' type.</summary>
    public static void AddNumberBinary<TOp>(this ExtensionRegistry registry, string name, Func<OpContext, TOp> make)
        where TOp : struct, INumberBinaryFunc =>
        registry.AddOp(OpSchema.Unary(name, c => InferBinary(c),
            c => ElementwiseKernels.BinaryNumber(c.Input(0), RightOperand(c), make(c))));

    /// <summary>Type of a binary op's output: the broadcast shape, or input 0's shape under the legacy
    /// broadcasting of opsets before 7 (see <see cref="RightOperand"/>).</summary>
    public static TensorType? InferBinary(InferenceContext c, DataType? elementType = null)
    {
        if (c.Opset >= 7 || c.Node.GetInt("broadcast", 0) == 0) return Infer.Broadcast(c, elementType);
        var a = c.InputTensor(0);
        return a is null ? null : new TensorType(elementType ?? a.ElementType, a.Shape);
    }

    /// <summary>Input 1 of a binary op, reshaped for the legacy broadcasting of opsets before 7: with
    /// <c>broadcast=1</c> and an <c>axis</c>, its dims line up with input 0's starting at that axis (numpy
    /// broadcasting, which later opsets use and which covers suffix matching, does the rest).</summary>
    public static Tensor RightOperand(OpContext c)
    {
        var b = c.Input(1);
        if (c.Opset >= 7 || c.Int("broadcast", 0) == 0 || !c.HasAttr("axis")) return b;
        var a = c.Input(0);
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), a.Rank);
        int trailing = a.Rank - axis - b.Rank;
        if (trailing < 0)
            throw c.Error(ErrorCode.ShapeMismatch,
                $"cannot broadcast shape {ShapeMath.Format(b.Shape)} into {ShapeMath.Format(a.Shape)} at axis {axis}",
                "make the second operand's dims a contiguous part of the first's, starting at axis");
        return trailing == 0 ? b : b.Reshape([.. b.Shape, .. Enumerable.Repeat(1, trailing)]);
    }
}
