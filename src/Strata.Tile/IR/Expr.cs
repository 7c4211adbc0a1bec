using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>A scalar expression of the Tile level: the value of one element, as a function of index variables.
/// Indices are expressions of type i64 (<see cref="DataType.Int64"/>) too, so div/mod reshapes, clamps and
/// data-dependent gathers are ordinary expressions. Immutable; compared structurally.</summary>
public abstract record Expr
{
    public abstract DataType Type { get; }

    /// <summary>Interprets this expression with a handler (evaluate, print, lower, count): one definition, many meanings.</summary>
    public abstract T Accept<T>(IOpsHandler<T> h);

    public static Expr Index(long v) => new Constant(Scalar.Int(v), DataType.Int64);
    public static Expr Var(string name) => new IndexVar(name);

    public static Expr operator +(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    public static Expr operator -(Expr a, Expr b) => new Binary(BinaryOp.Sub, a, b);
    public static Expr operator *(Expr a, Expr b) => new Binary(BinaryOp.Mul, a, b);
    public static Expr operator +(Expr a, long b) => new Binary(BinaryOp.Add, a, Index(b));
    public static Expr operator -(Expr a, long b) => new Binary(BinaryOp.Sub, a, Index(b));
    public static Expr operator *(Expr a, long b) => new Binary(BinaryOp.Mul, a, Index(b));
}

/// <summary>An index variable: an axis of the kernel (i64).</summary>
public sealed record IndexVar(string Name) : Expr
{
    public override DataType Type => DataType.Int64;
    public override T Accept<T>(IOpsHandler<T> h) => h.IndexVar(Name);
}

/// <summary>A literal of an element type (i64 for index constants).</summary>
public sealed record Constant(Scalar Value, DataType ConstantType) : Expr
{
    public override DataType Type => ConstantType;
    public override T Accept<T>(IOpsHandler<T> h) => h.Constant(Value, ConstantType);

    public static Constant Of(double v, DataType t) => new(ScalarSemantics.IsFloat(t) ? Scalar.Float(ScalarSemantics.RoundFloat(v, t)) : Scalar.Int(ScalarSemantics.WrapInt((long)v, t)), t);
}

/// <summary>Reads element <see cref="Indices"/> of a kernel buffer (input, output or temporary). Every index
/// must be in bounds wherever the load is evaluated: out-of-range positions are guarded by a <see cref="Select"/>.</summary>
public sealed record Load(string Buffer, ImmutableArray<Expr> Indices, DataType ElementType) : Expr
{
    public override DataType Type => ElementType;
    public override T Accept<T>(IOpsHandler<T> h) => h.Load(Buffer, Indices, ElementType);

    public bool Equals(Load? other) => other is not null && Buffer == other.Buffer && ElementType == other.ElementType && Indices.SequenceEqual(other.Indices);
    public override int GetHashCode() => Indices.Aggregate(HashCode.Combine(Buffer, ElementType), HashCode.Combine);
}

public sealed record Unary(UnaryOp Op, Expr X) : Expr
{
    public override DataType Type => ScalarSemantics.ResultType(Op, X.Type);
    public override T Accept<T>(IOpsHandler<T> h) => h.Unary(Op, X.Accept(h), X.Type);
}

/// <summary>Both operands have the same type (lowering inserts casts).</summary>
public sealed record Binary(BinaryOp Op, Expr A, Expr B) : Expr
{
    public override DataType Type => ScalarSemantics.ResultType(Op, A.Type);
    public override T Accept<T>(IOpsHandler<T> h) => h.Binary(Op, A.Accept(h), B.Accept(h), A.Type);
}

/// <summary><c>cond ? a : b</c>; only the chosen branch is evaluated (so it may guard out-of-range loads).</summary>
public sealed record Select(Expr Condition, Expr IfTrue, Expr IfFalse) : Expr
{
    public override DataType Type => IfTrue.Type;
    public override T Accept<T>(IOpsHandler<T> h) => h.Select(Condition.Accept(h), () => IfTrue.Accept(h), () => IfFalse.Accept(h), Type);
}

public sealed record Cast(Expr X, DataType To) : Expr
{
    public override DataType Type => To;
    public override T Accept<T>(IOpsHandler<T> h) => h.Cast(X.Accept(h), X.Type, To);
}
