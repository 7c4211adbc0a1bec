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
        registry.AddOp(OpSchema.Unary(name, c => Infer.Broadcast(c),
            c => ElementwiseKernels.BinaryNumber(c.Input(0), c.Input(1), make(c))));
}
