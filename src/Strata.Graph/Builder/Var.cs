using Strata.Core;

namespace Strata.Graph.Builder;

/// <summary>A value being built: the <see cref="GraphBuilder"/> it belongs to and its graph <see cref="Value"/>.
/// Arithmetic operators add nodes to the builder: <c>a + b</c> is <c>Add(a, b)</c>, <c>x * 2f</c> multiplies by a
/// scalar constant of <c>x</c>'s element type.</summary>
public sealed class Var
{
    internal Var(GraphBuilder builder, Value value)
    {
        Builder = builder;
        Value = value;
    }

    public GraphBuilder Builder { get; }
    public Value Value { get; }

    public string Name => Value.Name;

    /// <summary>The static type, as far as inference knows it while building (null if unknown).</summary>
    public Core.ValueType? Type => Value.Type;

    /// <summary>The element type if this is a tensor of known element type, else <see cref="DataType.Undefined"/>.</summary>
    public DataType ElementType => (Value.Type as TensorType)?.ElementType ?? DataType.Undefined;

    public static Var operator +(Var a, Var b) => GraphBuilder.Common(a, b).Add(a, b);
    public static Var operator -(Var a, Var b) => GraphBuilder.Common(a, b).Sub(a, b);
    public static Var operator *(Var a, Var b) => GraphBuilder.Common(a, b).Mul(a, b);
    public static Var operator /(Var a, Var b) => GraphBuilder.Common(a, b).Div(a, b);

    public static Var operator +(Var a, float b) => a.Builder.Add(a, a.Builder.ScalarLike(a, b));
    public static Var operator -(Var a, float b) => a.Builder.Sub(a, a.Builder.ScalarLike(a, b));
    public static Var operator *(Var a, float b) => a.Builder.Mul(a, a.Builder.ScalarLike(a, b));
    public static Var operator /(Var a, float b) => a.Builder.Div(a, a.Builder.ScalarLike(a, b));

    public static Var operator +(float a, Var b) => b.Builder.Add(b.Builder.ScalarLike(b, a), b);
    public static Var operator -(float a, Var b) => b.Builder.Sub(b.Builder.ScalarLike(b, a), b);
    public static Var operator *(float a, Var b) => b.Builder.Mul(b.Builder.ScalarLike(b, a), b);
    public static Var operator /(float a, Var b) => b.Builder.Div(b.Builder.ScalarLike(b, a), b);

    public static Var operator -(Var a) => a.Builder.Neg(a);

    public override string ToString() => $"%{Value.Name}: {Text.TextSyntax.FormatType(Value.Type)}";
}
