using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block.Passes;

/// <summary>Constant folding of scalar arithmetic: a unary, binary, cast or select op whose operands are all scalar
/// constants becomes a <c>constant</c> op with the same result (computed by <see cref="ScalarSemantics"/>, exactly as
/// the interpreter would), and a <c>broadcast</c> of a scalar constant becomes a splat constant. Index arithmetic on
/// block sizes and extents (<c>mul %c4, %c64</c>) folds away; results keep their names, so no use changes. An op the
/// scalar semantics rejects is left alone, to fail when the kernel runs with the interpreter's message.</summary>
public sealed class FoldScalarConstants : IBlockPass
{
    public string Name => "FoldScalarConstants";

    public BlockKernel Run(BlockKernel kernel)
    {
        var constants = new Dictionary<string, Scalar>(StringComparer.Ordinal);
        var body = Fold(kernel.Body, constants);
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    /// <summary>The ops with foldable ones replaced; the same array when nothing folds.</summary>
    private static ImmutableArray<BlockOp> Fold(ImmutableArray<BlockOp> ops, Dictionary<string, Scalar> constants)
    {
        ImmutableArray<BlockOp>.Builder? changed = null;
        for (int i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            var folded = op switch
            {
                ConstantOp c => Remember(c, constants),
                ForOp f => Fold(f.Body, constants) is var body && body != f.Body ? f with { Body = body } : f,
                _ => TryFold(op, constants) is { } value ? Remember(new ConstantOp(op.Results.Single(), value), constants) : op,
            };
            if (!ReferenceEquals(folded, op) && changed is null)
            {
                changed = ImmutableArray.CreateBuilder<BlockOp>(ops.Length);
                changed.AddRange(ops, i);
            }
            changed?.Add(folded);
        }
        return changed is null ? ops : changed.MoveToImmutable();
    }

    private static ConstantOp Remember(ConstantOp c, Dictionary<string, Scalar> constants)
    {
        if (c.Result.Type.IsScalar) constants[c.Result.Name] = c.Value;
        return c;
    }

    /// <summary>The value of <paramref name="op"/> when its operands are scalar constants, else null.</summary>
    private static Scalar? TryFold(BlockOp op, Dictionary<string, Scalar> constants)
    {
        bool Known(BlockValue v, out Scalar s) => constants.TryGetValue(v.Name, out s) && v.Type.IsScalar;
        try
        {
            switch (op)
            {
                case BroadcastOp b when Known(b.Source, out var x) && b.Source.Type.Element == b.Result.Type.Element:
                    return x;
                case UnaryBlockOp u when u.Result.Type.IsScalar && Known(u.X, out var x)
                                         && ScalarSemantics.IsDefined(u.Op, u.X.Type.Element)
                                         && u.Result.Type.Element == ScalarSemantics.ResultType(u.Op, u.X.Type.Element):
                    return ScalarSemantics.Unary(u.Op, u.X.Type.Element, x);
                case BinaryBlockOp b when b.Result.Type.IsScalar && Known(b.A, out var x) && Known(b.B, out var y)
                                          && b.A.Type.Element == b.B.Type.Element && ScalarSemantics.IsDefined(b.Op, b.A.Type.Element)
                                          && b.Result.Type.Element == ScalarSemantics.ResultType(b.Op, b.A.Type.Element):
                    return ScalarSemantics.Binary(b.Op, b.A.Type.Element, x, y);
                case CastBlockOp c when c.Result.Type.IsScalar && Known(c.X, out var x):
                    return ScalarSemantics.Cast(x, c.X.Type.Element, c.Result.Type.Element);
                case SelectBlockOp s when s.Result.Type.IsScalar && Known(s.Condition, out var cond)
                                          && s.Condition.Type.Element == DataType.Bool
                                          && s.IfTrue.Type.Element == s.Result.Type.Element && s.IfFalse.Type.Element == s.Result.Type.Element
                                          && Known(cond.AsBool ? s.IfTrue : s.IfFalse, out var chosen):
                    return chosen;
                default:
                    return null;
            }
        }
        catch (Exception e) when (e is StrataException or ArithmeticException)
        {
            return null; // it fails when the kernel runs, with the interpreter's message
        }
    }
}
