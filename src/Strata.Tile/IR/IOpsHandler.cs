using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>One method per kind of Tile expression (TorchInductor's ops handler). An expression is written once
/// and given meaning by a handler: evaluation, text, lowering to Block, cost features. Operands arrive already
/// interpreted, except <see cref="Select"/>'s branches, which are thunks so a handler can guard them (mask loads,
/// skip evaluation).</summary>
public interface IOpsHandler<T>
{
    T IndexVar(string name);
    T Constant(Scalar value, DataType type);
    T Load(string buffer, ImmutableArray<Expr> indices, DataType elementType);
    T Unary(UnaryOp op, T x, DataType operandType);
    T Binary(BinaryOp op, T a, T b, DataType operandType);
    T Select(T condition, Func<T> ifTrue, Func<T> ifFalse, DataType type);
    T Cast(T x, DataType from, DataType to);
}
